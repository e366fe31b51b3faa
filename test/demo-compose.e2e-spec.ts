/**
 * `docker compose up` as documented: the compose file is valid for the docker client present
 * (the compose plugin, or the standalone docker-compose), NATS runs with JetStream, and the three
 * services come from one image with /readyz health gates. Skipped where no compose client exists
 * (no engine is needed: only the file is checked).
 */
import { execFileSync } from 'node:child_process';
import { ROOT } from './support/harness.js';

function composeCommand(): string[] | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    try {
      execFileSync(cmd[0]!, [...cmd.slice(1), 'version'], { stdio: 'ignore' });
      return cmd;
    } catch {
      // try the next client
    }
  }
  return undefined;
}

const compose = composeCommand();
const itCompose = compose ? it : it.skip;

describe('docker-compose.yml', () => {
  itCompose('is valid and runs NATS with JetStream and the three services from one image, gated on /readyz', () => {
    const run = (args: string[]) => execFileSync(compose![0]!, [...compose!.slice(1), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WXGATE_MASTER_KEY: '' } });
    run(['config', '-q']);
    const config = run(['config']);
    const service = (name: string) => {
      const at = config.indexOf(`\n  ${name}:\n`);
      expect(at).toBeGreaterThan(-1);
      const rest = config.slice(at + 1);
      const end = rest.slice(1).search(/\n {2}[a-z-]+:\n|\n[a-z]/);
      return end === -1 ? rest : rest.slice(0, end + 1);
    };
    expect(service('nats')).toMatch(/- -js\n\s+- -sd\n\s+- \/data/);
    for (const [app, adminPort] of [['token-refresher', 9092], ['policy', 9091], ['forwarder', 9090], ['console', 9093]] as const) {
      const text = service(app);
      expect(text).toContain('image: wxgate:local');
      expect(text).toContain(`dist/apps/${app}/main.js`);
      expect(text).toContain(`http://127.0.0.1:${adminPort}/readyz`);
      expect(text).toMatch(/nats:\n\s+condition: service_healthy/);
      expect(text).toContain('NATS_URL: nats://nats:4222');
    }
    expect(service('console')).toMatch(/host_ip: 127\.0\.0\.1[\s\S]*published: "?8090"?|127\.0\.0\.1:8090:8090/);
    expect(service('forwarder')).toMatch(/published: "?8080"?[\s\S]*published: "?8443"?|8080:8080[\s\S]*8443:8443/);
  });
});
