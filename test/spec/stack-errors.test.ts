import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseStack, specLimits } from '../../runtime/spec/index.js';
import { problemLines, problemsOf } from './helpers.js';

function problemsIn(text: string, stackName?: string) {
  return problemsOf(() => parseStack(text, { fileName: 'stack.yml', ...(stackName === undefined ? {} : { stackName }) }));
}

test('an unsupported key is refused with file, line, path and the reason', () => {
  // Proves the depends_on case from the issue reads exactly as promised, with its code.
  const text = ['services:', '  web:', '    image: busybox', '    depends_on: [db]', '  db:', '    image: busybox', ''].join('\n');
  const error = problemsIn(text);
  assert.is(error.code, 'EDGE_SPEC_INVALID');
  assert.is(error.problemCount, 1);
  assert.equal(problemLines(error), ['stack.yml:4: services.web.depends_on is not supported by edgectl (services start independently; use healthchecks)']);
  assert.is(error.problems[0]!.code, 'EDGE_SPEC_UNSUPPORTED_KEY');
  assert.is(error.problems[0]!.line, 4);
  assert.is(error.problems[0]!.path, 'services.web.depends_on');
});

test('an unknown key suggests the nearest known one', () => {
  // Proves typos are reported as unknown (not unsupported) with a "did you mean".
  const error = problemsIn('services:\n  web:\n    image: busybox\n    enviroment: {A: "1"}\n');
  assert.is(error.problems[0]!.code, 'EDGE_SPEC_UNKNOWN_KEY');
  assert.match(error.problems[0]!.message, /services\.web\.enviroment is not a key of a service\. Did you mean environment\?/);
  const deploy = problemsIn('services:\n  web:\n    image: busybox\n    deploy:\n      replica: 2\n');
  assert.match(deploy.problems[0]!.message, /deploy\.replica .*Did you mean replicas\?/);
  assert.is(deploy.problems[0]!.line, 5);
});

test('entrypoint is refused with what to do instead, never dropped', () => {
  // Proves the spec's single command field is explained rather than entrypoint being silently lost.
  const error = problemsIn('services:\n  web:\n    image: busybox\n    entrypoint: ["/bin/sh"]\n    command: ["-c", "true"]\n');
  assert.is(error.problems[0]!.code, 'EDGE_SPEC_UNSUPPORTED_KEY');
  assert.match(error.problems[0]!.message, /entrypoint is not supported by edgectl .*put the full program and its arguments in command/);
});

test('every problem of a file is reported together, in line order, each with its own code', () => {
  // Proves collection (not first-error-wins) across services and sections, with the issue's examples of bad values.
  const text = `services:
  web:
    command: echo hi
    deploy:
      replicas: -1
      resources:
        limits:
          memory: lots
        reservations:
          memory: 512M
      placement:
        constraints: ["node.labels.zone=b"]
      restart_policy:
        delay: 5
    healthcheck:
      test: ["CMD", "true"]
      interval: soon
    ports:
      - "8080:80"
      - "8080:81"
  db:
    image: busybox
    deploy:
      replicas: "many"
`;
  const error = problemsIn(text);
  const byLine = error.problems.map((problem) => [problem.line, problem.code]);
  assert.equal(byLine, [
    [2, 'EDGE_SPEC_MISSING_KEY'],
    [5, 'EDGE_SPEC_BAD_VALUE'],
    [8, 'EDGE_SPEC_BAD_MEMORY'],
    [12, 'EDGE_SPEC_BAD_CONSTRAINT'],
    [14, 'EDGE_SPEC_BAD_DURATION'],
    [17, 'EDGE_SPEC_BAD_DURATION'],
    [20, 'EDGE_SPEC_DUPLICATE_PORT'],
    [24, 'EDGE_SPEC_BAD_TYPE'],
  ]);
  const lines = problemLines(error);
  assert.ok(lines.includes('stack.yml:2: services.web has no image; name the image to run, e.g. image: 127.0.0.1:5000/busybox:latest'));
  assert.ok(lines.includes('stack.yml:5: services.web.deploy.replicas must be from 0 to 10000, not -1'));
  assert.ok(lines.some((line) => line.startsWith('stack.yml:8: services.web.deploy.resources.limits.memory: "lots" is not a memory size')));
  assert.ok(lines.some((line) => line.startsWith('stack.yml:14: services.web.deploy.restart_policy.delay: "5" is not a duration (a bare number has no unit: did you mean 5s?)')));
  assert.ok(lines.some((line) => line.startsWith('stack.yml:20: services.web.ports[1] publishes 8080/tcp again')));
  assert.match(error.message, /^stack\.yml has 8 problems; nothing was changed:\n  stack\.yml:2: /);
});

test('the report is bounded: the first problems are shown, the rest counted', () => {
  // Proves a file full of mistakes yields a message of bounded size that still says how many there were.
  const services = Array.from({ length: 30 }, (_, index) => `  s${index}:\n    imag: busybox\n`).join('');
  const error = problemsIn(`services:\n${services}`);
  assert.is(error.problemCount, 60);
  assert.is(error.problems.length, specLimits.problemsShownMax);
  assert.match(error.message, /… and 40 more \(fix these first\)$/);
});

test('wrong types name what was expected and what was found', () => {
  // Proves type errors for maps, lists, strings, numbers and booleans all say both sides.
  const text = `services:
  web:
    image: 42
    ports: "8080:80"
    environment: 7
    volumes:
      - { type: bind, source: /a, target: /b, read_only: "yes" }
    deploy:
      placement:
        max_replicas_per_node: 1.5
`;
  const lines = problemLines(problemsIn(text));
  assert.equal(lines, [
    'stack.yml:3: services.web.image must be a string, not the number 42',
    'stack.yml:4: services.web.ports must be a list, not the string "8080:80"',
    'stack.yml:5: services.web.environment must be a map or a list of KEY=value, not the number 7',
    'stack.yml:7: services.web.volumes[0].read_only must be true or false, not the string "yes"',
    'stack.yml:10: services.web.deploy.placement.max_replicas_per_node must be a whole number from 0 to 10000, not the number 1.5',
  ]);
});

test('ports: ingress, ranges, missing published port and host addresses are refused clearly', () => {
  // Proves every port form edgectl cannot honour in host mode is an error that says why.
  const text = `services:
  web:
    image: busybox
    ports:
      - { target: 80, published: 8080, mode: ingress }
      - "9000-9001:80-81"
      - "80"
      - "127.0.0.1:8081:80"
      - { target: 81 }
      - "70000:80"
      - "8082:80/sctp"
`;
  const error = problemsIn(text);
  const messages = error.problems.map((problem) => `${problem.line} ${problem.code} ${problem.message}`);
  assert.match(messages[0]!, /^5 EDGE_SPEC_UNSUPPORTED_VALUE .*mode ingress is not supported: edgectl has no routing mesh/);
  assert.match(messages[1]!, /^6 EDGE_SPEC_UNSUPPORTED_VALUE .*is a range/);
  assert.match(messages[2]!, /^7 EDGE_SPEC_BAD_PORT .*has no published port/);
  assert.match(messages[3]!, /^8 EDGE_SPEC_UNSUPPORTED_VALUE .*names a host address/);
  assert.match(messages[4]!, /^9 EDGE_SPEC_MISSING_KEY services\.web\.ports\[4\] has no published/);
  assert.match(messages[5]!, /^10 EDGE_SPEC_BAD_PORT .*not a number from 1 to 65535/);
  assert.match(messages[6]!, /^11 EDGE_SPEC_UNSUPPORTED_VALUE .*sctp/);
});

test('volumes: undeclared, anonymous, relative and unknown options are refused', () => {
  // Proves mounts only reach declared named volumes or absolute node paths.
  const text = `services:
  web:
    image: busybox
    volumes:
      - logs:/logs
      - /data
      - ./site:/www
      - /srv:/srv:z
      - /a:/same
      - /b:/same
      - { type: tmpfs, target: /tmp }
volumes:
  cache:
    driver: nfs
  other:
    external: true
`;
  const error = problemsIn(text);
  const codes = error.problems.map((problem) => [problem.line, problem.code]);
  assert.equal(codes, [
    [5, 'EDGE_SPEC_UNDECLARED_VOLUME'],
    [6, 'EDGE_SPEC_UNSUPPORTED_VALUE'],
    [7, 'EDGE_SPEC_UNSUPPORTED_VALUE'],
    [8, 'EDGE_SPEC_UNSUPPORTED_VALUE'],
    [10, 'EDGE_SPEC_BAD_MOUNT'],
    [11, 'EDGE_SPEC_UNSUPPORTED_VALUE'],
    [14, 'EDGE_SPEC_UNSUPPORTED_VALUE'],
    [16, 'EDGE_SPEC_UNSUPPORTED_KEY'],
  ]);
  assert.match(error.problems[0]!.message, /uses the volume "logs", which is not declared/);
});

test('memory sizes: accepted units and refused text', () => {
  // Proves 512M, 1g and 1.5GiB are accepted and "lots", too-small and reservation-above-limit are refused.
  const ok = parseStack('services:\n  a:\n    image: busybox\n    deploy:\n      resources:\n        limits: {memory: 1g}\n        reservations: {memory: 512M}\n', { fileName: 's.yml' });
  assert.is(ok.services[0]!.resources.memoryLimitBytes, 2 ** 30);
  const text = `services:
  a:
    image: busybox
    deploy:
      resources:
        limits: {memory: 512}
  b:
    image: busybox
    deploy:
      resources:
        limits: {memory: 64M}
        reservations: {memory: 128M}
`;
  const lines = problemLines(problemsIn(text));
  assert.match(lines[0]!, /^stack\.yml:6: .*limits\.memory: 512 is less than the minimum 6MiB \(a bare number is bytes: did you mean 512M\?\)/);
  assert.match(lines[1]!, /^stack\.yml:12: .*reservations\.memory is more than deploy\.resources\.limits\.memory/);
});

test('variables from the deploying shell are refused, not substituted', () => {
  // Proves ${VAR}, $VAR and bare environment keys are errors, since a fleet file must not depend on a shell.
  const text = 'services:\n  a:\n    image: busybox\n    command: echo ${HOME}\n    environment:\n      - TOKEN\n      - PATHS=$PATH\n';
  const error = problemsIn(text);
  assert.equal(error.problems.map((problem) => [problem.line, problem.code]), [[4, 'EDGE_SPEC_UNSUPPORTED_VALUE'], [6, 'EDGE_SPEC_UNSUPPORTED_VALUE'], [7, 'EDGE_SPEC_UNSUPPORTED_VALUE']]);
  assert.match(error.problems[1]!.message, /does not copy variables from the deploying shell/);
});

test('bad YAML, a missing services key and a non-map file are reported, nothing parsed', () => {
  // Proves syntax errors carry their line and the top-level shape is checked.
  const syntax = problemsIn('services:\n  web:\n    image: [busybox\n');
  assert.is(syntax.problems[0]!.code, 'EDGE_SPEC_BAD_YAML');
  const duplicate = problemsIn('services:\n  web:\n    image: a\n  web:\n    image: b\n');
  assert.equal(duplicate.problems.map((problem) => [problem.line, problem.code]), [[4, 'EDGE_SPEC_BAD_YAML']]);
  assert.equal(problemsIn('version: "3"\n').problems.map((problem) => problem.code), ['EDGE_SPEC_MISSING_KEY']);
  assert.equal(problemsIn('- a\n- b\n').problems.map((problem) => problem.code), ['EDGE_SPEC_BAD_TYPE']);
  assert.equal(problemsIn('services: {}\n').problems.map((problem) => problem.code), ['EDGE_SPEC_MISSING_KEY']);
  const topLevel = problemsIn('services:\n  a:\n    image: busybox\nnetworks:\n  front: {}\n');
  assert.equal(topLevel.problems.map((problem) => [problem.line, problem.code]), [[4, 'EDGE_SPEC_UNSUPPORTED_KEY']]);
});

test('names: bad service names, bad stack names and too-long prefixed names', () => {
  // Proves names are DNS-label-like and the "<stack>_<service>" result is checked too.
  assert.equal(problemsIn('services:\n  Web.App:\n    image: busybox\n').problems.map((problem) => problem.code), ['EDGE_SPEC_BAD_NAME']);
  assert.equal(problemsIn('services:\n  web:\n    image: busybox\n', 'my_stack').problems.map((problem) => problem.path), ['stack name']);
  const long = problemsIn(`services:\n  ${'s'.repeat(60)}:\n    image: busybox\n`, 'stack');
  assert.is(long.problems[0]!.code, 'EDGE_SPEC_BAD_NAME');
  assert.is(long.problems[0]!.line, 2);
});

test('aliases that expand without end are cut off as too large', () => {
  // Proves the node-visit bound stops a "billion laughs" file instead of hanging or exhausting memory.
  // Each level merges the previous one ten times, so following every merge would visit 10^8 maps.
  const levels = ['m0: &m0 { A: "1" }'];
  for (let level = 1; level <= 8; level++) levels.push(`m${level}: &m${level} { <<: [${Array(10).fill(`*m${level - 1}`).join(', ')}] }`);
  const text = `x-bomb:\n${levels.map((line) => `  ${line}`).join('\n')}\nservices:\n  a:\n    image: busybox\n    environment: *m8\n`;
  const started = Date.now();
  const error = problemsIn(text);
  assert.is(error.problems[0]!.code, 'EDGE_SPEC_TOO_LARGE');
  assert.ok(Date.now() - started < 5000, 'the walk stopped early');
});

test('a job cannot restart after success and a global service takes no replicas', () => {
  // Proves the mode rules are checked at the key that breaks them.
  const text = `services:
  job:
    image: busybox
    deploy:
      mode: replicated-job
      restart_policy: { condition: any }
  all:
    image: busybox
    deploy:
      mode: global
      replicas: 3
`;
  const error = problemsIn(text);
  assert.equal(error.problems.map((problem) => [problem.line, problem.path]), [[6, 'services.job.deploy.restart_policy.condition'], [11, 'services.all.deploy.replicas']]);
});

test.run();
