import { Deadlines, type Deadline } from './deadlines.js';

function entry(name: string, expired: string[]): Deadline {
  return { deadline: 0, previousDeadline: undefined, nextDeadline: undefined, expire: () => expired.push(name) };
}

describe('Deadlines', () => {
  it('expires what is still in the list once its time has passed, in the order added', async () => {
    const expired: string[] = [];
    const deadlines = new Deadlines(30);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => entry(name, expired));
    deadlines.add(a!, performance.now());
    await new Promise((r) => setTimeout(r, 10));
    deadlines.add(b!, performance.now());
    deadlines.add(c!, performance.now());
    deadlines.remove(b!);
    deadlines.remove(b!);
    await new Promise((r) => setTimeout(r, 25));
    expect(expired).toEqual(['a']);
    await new Promise((r) => setTimeout(r, 25));
    expect(expired).toEqual(['a', 'c']);
    expect(c!.deadline).toBe(0);
  });

  it('stops its timer when the list empties', () => {
    const deadlines = new Deadlines(60_000);
    const a = entry('a', []);
    deadlines.add(a, performance.now());
    deadlines.remove(a);
    expect((deadlines as unknown as { timer?: unknown }).timer).toBeUndefined();
  });
});
