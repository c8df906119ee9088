/**
 * A worked deploy with the fleet API: upload a release tarball, unpack it beside the previous releases, switch
 * the `current` link, restart the service, check its health, and roll back the hosts where anything failed.
 *
 *   node --import tsx examples/deploy.ts hosts.yaml ./app.tgz 2026-11-24
 */
import { basename } from 'node:path';
import { Fleet, type RunReport } from '../src/index.js';

export interface DeployPlan {
  inventory: string;
  tarball: string;
  release: string;
  /** Where releases live: <appDir>/releases/<release>, <appDir>/current → the live one. */
  appDir: string;
  /** Run with sudo after the switch. */
  restart: string;
  /** Exit 0 when the service is healthy. */
  healthCheck: string;
  limit?: string;
}

export interface DeployOutcome {
  deployed: string[];
  rolledBack: string[];
  /** Hosts that never got the release (upload or unpack failed): nothing to roll back there. */
  untouched: string[];
}

const failedHosts = (report: RunReport) => report.results.filter((r) => !r.ok).map((r) => r.host);

export async function deploy(plan: DeployPlan): Promise<DeployOutcome> {
  const fleet = await Fleet.fromInventory(plan.inventory, plan.limit ? { limit: plan.limit } : {});
  const hosts = [...fleet.hosts];
  const untouched = new Set<string>();
  const broken = new Set<string>();
  try {
    const upload = await fleet.put(plan.tarball, '/tmp/', { timeout: '5m' });
    failedHosts(upload).forEach((h) => untouched.add(h));

    const dir = `${plan.appDir}/releases/${plan.release}`;
    const unpack = await fleet.exec(
      `set -e; [ -e /tmp/${basename(plan.tarball)} ]; mkdir -p ${dir}; tar -xzf /tmp/${basename(plan.tarball)} -C ${dir}; ` +
        // Remember what was live, then switch atomically (rename of a symlink over the old one).
        `readlink ${plan.appDir}/current > ${plan.appDir}/previous 2>/dev/null || true; ` +
        `ln -sfn ${dir} ${plan.appDir}/current.new && mv -T ${plan.appDir}/current.new ${plan.appDir}/current`,
    );
    failedHosts(unpack).forEach((h) => untouched.add(h));

    const restart = await fleet.exec(plan.restart, { sudo: true });
    const health = await fleet.exec(plan.healthCheck);
    for (const h of [...failedHosts(restart), ...failedHosts(health)]) if (!untouched.has(h)) broken.add(h);

    if (broken.size > 0) {
      // The same Fleet, narrowed: the rollback rides the sessions the deploy opened, and no other host
      // is touched or reconnected.
      const back = fleet.select([...broken]);
      await back.exec(
        `prev=$(cat ${plan.appDir}/previous 2>/dev/null); [ -n "$prev" ] && ` +
          `ln -sfn "$prev" ${plan.appDir}/current.new && mv -T ${plan.appDir}/current.new ${plan.appDir}/current`,
      );
      await back.exec(plan.restart, { sudo: true });
    }
  } finally {
    await fleet.close();
  }
  return {
    deployed: hosts.filter((h) => !untouched.has(h) && !broken.has(h)),
    rolledBack: [...broken],
    untouched: [...untouched],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [inventory, tarball, release] = process.argv.slice(2);
  if (!inventory || !tarball || !release) {
    console.error('usage: deploy.ts <inventory> <tarball> <release>');
    process.exit(2);
  }
  const outcome = await deploy({
    inventory,
    tarball,
    release,
    appDir: '/opt/app',
    restart: 'systemctl restart app',
    healthCheck: 'curl -fsS http://localhost:8080/health',
  });
  console.log(JSON.stringify(outcome, null, 2));
  process.exit(outcome.rolledBack.length || outcome.untouched.length ? 1 : 0);
}
