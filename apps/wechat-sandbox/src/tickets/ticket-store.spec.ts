import { ManualClock } from '@wxgate/platform';
import { defaultKnobs } from '../knobs.js';
import { TicketStore } from './ticket-store.js';

function setup() {
  const clock = new ManualClock();
  const knobs = { ...defaultKnobs(), ticketTtlS: 100, ticketGraceS: 5 };
  return { clock, tickets: new TicketStore(clock, knobs) };
}

describe('TicketStore', () => {
  it('accepts the latest ticket until its lifetime ends (61005 after)', () => {
    const { clock, tickets } = setup();
    const ticket = tickets.issue('c1');
    expect(ticket).toMatch(/^ticket@@@/);
    expect(tickets.check('c1', ticket)).toBe(0);
    clock.advance(100_000);
    expect(tickets.check('c1', ticket)).toBe(61005);
  });

  it('answers 61006 for a ticket never issued or issued to another component', () => {
    const { tickets } = setup();
    const ticket = tickets.issue('c1');
    expect(tickets.check('c1', 'ticket@@@made-up')).toBe(61006);
    expect(tickets.check('c2', ticket)).toBe(61006);
  });

  it('keeps a superseded ticket for the grace window, then answers 61005', () => {
    const { clock, tickets } = setup();
    const old = tickets.issue('c1');
    const latest = tickets.issue('c1');
    expect(tickets.latest('c1')?.value).toBe(latest);
    clock.advance(4_999);
    expect(tickets.check('c1', old)).toBe(0);
    clock.advance(1);
    expect(tickets.check('c1', old)).toBe(61005);
    expect(tickets.check('c1', latest)).toBe(0);
  });
});
