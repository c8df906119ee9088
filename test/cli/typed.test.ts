import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../src/index.js';
import type { Bench, BenchHost } from '../bench/hosts.js';
import { processesMatching, until } from '../bench/remote-processes.js';
import { CLI, closeCliBench, cleanEnv, openCliBench, ROOT, runCli, sleep, summaryOf, tempDir } from './support.js';

/** A shell pipeline with the built CLI in it, as an operator types it; the exit status of every stage. */
function pipeline(script: string): Promise<{ stdout: string; stderr: string; status: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${script}; echo "status=\${PIPESTATUS[*]}" >&2`], {
      cwd: ROOT,
      env: cleanEnv({ FLEET: `node ${CLI}` }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const m = /status=([\d ]+)\n$/.exec(stderr);
      resolve({ stdout, stderr: stderr.replace(/status=[\d ]+\n$/, ''), status: (m?.[1] ?? '').trim().split(' ').map(Number) });
    });
  });
}

/** Logins sshd accepted so far on a host: a run that must not connect leaves this unchanged. */
async function logins(h: BenchHost): Promise<number> {
  return ((await h.logs()).match(/Accepted /g) ?? []).length;
}

describe('fleet CLI as operators type it', () => {
  let bench: Bench;
  let inv: string;
  let dir: string;
  beforeAll(async () => {
    ({ bench, inv } = await openCliBench(3));
    dir = tempDir();
    // The same hosts with template variables: defaults < host, merged name by name.
    const text = readFileSync(inv, 'utf8')
      .replace('defaults:\n', "defaults:\n  variables: { role: app, motd: \"it's $(touch /tmp/pwned) `id`\" }\n")
      .replace(/(h01: \{[^}]*)\}/, '$1, variables: { role: db } }');
    writeFileSync(join(dir, 'vars.yaml'), text);
  }, 300_000);
  afterAll(() => closeCliBench(bench));
  const vars = () => join(dir, 'vars.yaml');

  describe('1. stdin', () => {
    it('piped stdin reaches every host, byte for byte, through forked workers', async () => {
      const data = randomBytes(300_000);
      const file = join(dir, 'blob.bin');
      writeFileSync(file, data);
      const sum = createHash('sha256').update(data).digest('hex');
      const piped = await pipeline(`$FLEET exec sha256sum -i ${inv} -w 2 < ${file}`);
      expect(piped.status).toEqual([0]);
      expect(piped.stdout.trim().split('\n').sort()).toEqual(['h01', 'h02', 'h03'].map((h) => `${h} | ${sum}  -`));
      const echoed = await pipeline(`echo data | $FLEET exec cat -i ${inv}`);
      expect(echoed.stdout.trim().split('\n').sort()).toEqual(['h01 | data', 'h02 | data', 'h03 | data']);
    });

    it('--stdin FILE, --no-stdin, and more than 4 MiB is a usage error before any connection', async () => {
      const file = join(dir, 'in.txt');
      writeFileSync(file, 'from a file\n');
      const r = await runCli(['exec', 'cat', '-i', inv, '-l', 'h01', '--stdin', file]);
      expect(r).toMatchObject({ code: 0, stdout: 'h01 | from a file\n' });
      const none = await runCli(['exec', 'cat; echo end', '-i', inv, '-l', 'h01', '--no-stdin'], { input: 'ignored\n' });
      expect(none).toMatchObject({ code: 0, stdout: 'h01 | end\n' });
      const before = await logins(bench.hosts[0]!);
      const big = await runCli(['exec', 'cat', '-i', inv, '-l', 'h01'], { input: 'x'.repeat(4 * 1024 * 1024 + 1) });
      expect(big.code).toBe(2);
      expect(big.stderr).toMatch(/^fleet: stdin is larger than 4 MiB — upload it with fleet put/m);
      const missing = await runCli(['exec', 'cat', '-i', inv, '--stdin', join(dir, 'nope')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('no such file');
      expect(await logins(bench.hosts[0]!)).toBe(before);
    });
  });

  describe('2. templates', () => {
    it('{host} {address} {port} {user} and inventory variables, per host, shell-quoted', async () => {
      const r = await runCli(['exec', 'echo {host} {address} {port} {user} {role}; printf "%s\\n" {motd}', '-i', vars()]);
      expect(r.code).toBe(0);
      const out = r.stdout.trim().split('\n').sort();
      const [a, b, c] = bench.hosts;
      expect(out).toEqual(
        [
          `h01 | h01 ${a!.address} ${a!.port} fleet db`,
          `h02 | h02 ${b!.address} ${b!.port} fleet app`,
          `h03 | h03 ${c!.address} ${c!.port} fleet app`,
          ...['h01', 'h02', 'h03'].map((h) => `${h} | it's $(touch /tmp/pwned) \`id\``),
        ].sort(),
      );
      // The value was data, never shell syntax.
      expect((await bench.hosts[0]!.exec('test -e /tmp/pwned && echo yes || echo no')).stdout.trim()).toBe('no');
      const literal = await runCli(['exec', "echo {{host}} '{print $1}' ${HOME} {a,b}", '-i', inv, '-l', 'h01']);
      expect(literal.stdout).toBe('h01 | {host} {print $1} /home/fleet a b\n');
    });

    it('an unknown name is an error before anything runs, naming the known ones', async () => {
      const before = await logins(bench.hosts[1]!);
      const r = await runCli(['exec', 'touch /tmp/typo-{hots}', '-i', vars()]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown name \{hots\}.*Known: \{host\}, \{address\}, \{port\}, \{user\}, \{role\}, \{motd\}/);
      expect(r.stdout).toBe('');
      expect(await logins(bench.hosts[1]!)).toBe(before);
    });

    it('put and get remote paths take templates (as paths: unquoted)', async () => {
      const file = join(dir, 'conf.txt');
      writeFileSync(file, 'conf\n');
      const put = await runCli(['put', file, '/tmp/conf-{host}-{role}.txt', '-i', vars()]);
      expect(put.code).toBe(0);
      for (const [h, role] of [[bench.hosts[0]!, 'db'], [bench.hosts[2]!, 'app']] as const) {
        expect((await h.exec(`cat /tmp/conf-${h.name}-${role}.txt`)).stdout).toBe('conf\n');
      }
      const out = tempDir();
      const get = await runCli(['get', '/tmp/conf-{host}-{role}.txt', out, '-i', vars()]);
      expect(get.code).toBe(0);
      expect(readFileSync(join(out, 'h02', 'conf-h02-app.txt'), 'utf8')).toBe('conf\n');
    });

    it('the library takes a function of the host: fleet.exec((host) => string)', async () => {
      const fleet = await Fleet.fromInventory(vars());
      try {
        const report = await fleet.exec((h) => `echo ${h.name}:${h.variables.role}:${h.user}`);
        expect(report.results.map((r) => r.stdout)).toEqual(['h01:db:fleet\n', 'h02:app:fleet\n', 'h03:app:fleet\n']);
        await expect(fleet.exec('echo {nosuch}')).rejects.toMatchObject({ code: 'CONFIG' });
      } finally {
        await fleet.close();
      }
    });
  });

  describe('3. fleet script', () => {
    const marker = '/tmp/before-script';

    it("runs a local script with its shebang's interpreter, arguments quoted, stdin piped, nothing left behind", async () => {
      const script = join(dir, 'check.sh');
      writeFileSync(script, '#!/bin/bash -e\necho "bash=${BASH_VERSION%%.*} n=$# 1=[$1] 2=[$2] 3=[$3]"\nread -r line; echo "stdin=$line"\n');
      chmodSync(script, 0o600); // not executable locally: the interpreter reads it, nothing execs it
      await Promise.all(bench.hosts.map((h) => h.exec(`touch ${marker}; sleep 1`)));
      const r = await pipeline(`echo hello | $FLEET script ${script} "a b" "\\$(id) it's" {host} -i ${inv}`);
      expect(r.status).toEqual([0, 0]);
      expect(r.stdout.trim().split('\n').sort()).toEqual(
        ['h01', 'h02', 'h03'].flatMap((h) => [`${h} | bash=5 n=3 1=[a b] 2=[$(id) it's] 3=[${h}]`, `${h} | stdin=hello`]).sort(),
      );
      for (const h of bench.hosts) {
        const left = await h.exec(`find / -xdev -newer ${marker} -type f 2>/dev/null | grep -v -e ^/proc -e ^/sys -e ^/var/log -e ^/run/motd.dynamic || true`);
        expect(left.stdout).toBe('');
      }
    });

    it('the exit code per host is the script\'s, as for exec; no shebang means sh', async () => {
      const script = join(dir, 'fail.sh');
      writeFileSync(script, 'if [ "$1" = h02 ]; then echo bad >&2; exit 3; fi\necho fine\n');
      const r = await runCli(['script', script, '{host}', '-i', inv]);
      expect(r.code).toBe(1);
      expect(r.stdout.trim().split('\n').sort()).toEqual(['h01 | fine', 'h03 | fine']);
      expect(r.stderr).toMatch(/^h02\s+COMMAND\s+command exited with 3$/m);
      const missing = await runCli(['script', join(dir, 'nope.sh'), '-i', inv]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/script .*nope\.sh: no such file/);
    });
  });

  describe('4. commands as typed', () => {
    it('an unknown option after the command belongs to it; fleet options still work anywhere', async () => {
      const release = (await bench.hosts[0]!.exec('uname -r')).stdout;
      const r = await runCli(['exec', '-i', inv, '-l', 'h01', 'uname', '-r']);
      expect(r).toMatchObject({ code: 0, stdout: `h01 | ${release}` });
      const after = await runCli(['exec', 'uname', '-r', '-l', 'h01', '-i', inv]);
      expect(after).toMatchObject({ code: 0, stdout: `h01 | ${release}` });
      // -V is fleet's --version only before the command name: here it is echo's.
      const version = await runCli(['exec', '-i', inv, '-l', 'h02', 'echo', '-V']);
      expect(version).toMatchObject({ code: 0, stdout: 'h02 | -V\n' });
      const quoted = await runCli(['exec', 'echo one two', '-i', inv, '-l', 'h02']);
      expect(quoted).toMatchObject({ code: 0, stdout: 'h02 | one two\n' });
      const script = join(dir, 'x.sh');
      writeFileSync(script, 'echo "got $1"\n');
      const s = await runCli(['script', script, 'ARG', '-l', 'h03', '-i', inv]);
      expect(s).toMatchObject({ code: 0, stdout: 'h03 | got ARG\n' });
    });

    it('-- ends fleet options; a command word that is a fleet option gets an error that says to use --', async () => {
      mkdirSync(join(dir, 'x'), { recursive: true });
      const ok = await runCli(['exec', '-i', inv, '-l', 'h01', '--', 'ls', '-l', '-d', '/tmp']);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^h01 \| drwxrwxrwt .* \/tmp$/m);
      const clash = await runCli(['exec', '-i', inv, 'ls', '-l', '/tmp']);
      expect(clash.code).toBe(2);
      expect(clash.stderr).toMatch(/-l after the command was read as fleet's own option; if meant for the command, put the command after --/);
      const typo = await runCli(['exec', '--forsk', '3', 'true', '-i', inv]);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain("unknown option '--forsk'");
      expect(typo.stderr).not.toContain("fleet's own option");
      const help = await runCli(['exec', '--help']);
      expect(help.stdout).toMatch(/fleet exec -l web -- ls -l \/tmp/);
    });
  });

  describe('5. pipes', () => {
    it('fleet --help | head -1 ends quietly', async () => {
      const r = await pipeline('$FLEET --help | head -1');
      expect(r.stdout).toBe('Usage: fleet [options] [command]\n');
      expect(r.stderr).toBe('');
      expect([0, 141]).toContain(r.status[0]);
    });

    it("fleet exec 'seq …' | head -2: two lines, nothing on stderr, exit 141, the remote commands ended", async () => {
      const r = await pipeline(`$FLEET exec 'seq 1 100000; sleep 46' -i ${inv} | head -2`);
      expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(2);
      expect(r.stderr).toBe('');
      expect(r.status).toEqual([141, 0]);
      expect(await until(async () => (await processesMatching(bench.hosts, '^sleep 46$')) === 0, 5_000)).toBe(true);
    });
  });

  describe('6. local mistakes first', () => {
    it('put of a missing file, a directory without -r, an unreadable -k key: exit 2, no connection', async () => {
      const before = await Promise.all(bench.hosts.map(logins));
      const unreadable = join(dir, 'key');
      writeFileSync(unreadable, 'x');
      chmodSync(unreadable, 0o000);
      const cases: [string[], RegExp][] = [
        [['put', 'nosuch.txt', '/tmp/', '-i', inv], /^fleet: put: nosuch\.txt: no such file or directory$/m],
        [['put', join(ROOT, 'src'), '/tmp/', '-i', inv], /is a directory — add -r/],
        [['exec', 'true', '-i', inv, '-k', join(dir, 'nokey')], /-k .*nokey: no such file or directory/],
        ...(process.getuid?.() === 0 ? [] : [[['exec', 'true', '-i', inv, '-k', unreadable], /permission denied/] as [string[], RegExp]]),
        [['ping', '-i', inv, '-k', dir], /is a directory, not a key file/],
      ];
      for (const [args, message] of cases) {
        const r = await runCli(args);
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.stderr).toMatch(message);
      }
      expect(await Promise.all(bench.hosts.map(logins))).toEqual(before);
    });
  });

  describe('7. no default command timeout', () => {
    it('a command longer than the old 30 s default runs to the end; a hung host is still caught by keepalives', async () => {
      const hung = bench.hosts[2]!;
      const long = runCli(['exec', 'sleep 31; echo done', '-i', inv, '-l', 'h01']);
      const cut = runCli(['exec', 'echo started; sleep 120', '-i', inv, '-l', 'h03', '-o', 'json']);
      await until(async () => (await processesMatching([hung], '^sleep 120$')) === 1, 10_000);
      await hung.pause();
      try {
        const [a, b] = await Promise.all([long, cut]);
        expect(a).toMatchObject({ code: 0, stdout: 'h01 | done\n' });
        expect(summaryOf(a.stderr)).toEqual({ ok: 1, failed: 0, unreachable: 0, hosts: 1 });
        expect(b.code).not.toBe(0);
        const doc = JSON.parse(b.stdout) as { hosts: { host: string; error?: { code: string; message: string } }[] };
        expect(doc.hosts[0]!.error?.message).toMatch(/stopped answering keepalives/);
        // Well before the 120 s sleep would have ended: 3 keepalives 5 s apart.
        expect(b.ms).toBeLessThan(60_000);
      } finally {
        await hung.unpause();
      }
    });
  });
});
