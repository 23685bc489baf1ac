#!/usr/bin/python3
"""Results of a tempest run against Quark, and how they compare with Neutron's.

  report.py summarize STREAM TESTS OUTDIR    subunit v2 stream + the listed test ids ->
                                             results.tsv, per-module.txt, failures.txt, skips.txt;
                                             prints 'N passed, N failed, N skipped'
  report.py compare RESULTS REFERENCE OUT [KNOWN_GAPS]
                                             per module Quark vs the reference, and every test
                                             the reference passed that Quark does not; with
                                             KNOWN_GAPS, only a test missing from it fails the run
  report.py gaps RESULTS FAILURES REFERENCE  the known-gaps file for a run: every test the
                                             reference passed and this run did not, grouped by
                                             the error it failed with
  report.py table BEFORE AFTER REFERENCE     the Markdown table of docs/conformance.md: per
                                             module, passed/failed/skipped before, after and on
                                             the reference
  report.py public-network IDENTITY USER PASSWORD PROJECT NAME CIDR
                                             finds or makes an external network, prints its id

Every listed test counts exactly once. unittest reports a class whose setUpClass fails or skips
as one entry, `setUpClass (module.Class)`, and none of its tests: those tests take the class's
result. A listed test without any result (a worker died, the run timed out) counts as failed.
Runs with Debian's /usr/bin/python3 (subunit and testtools come with tempest).
"""
import collections
import json
import os
import re
import sys
import urllib.error
import urllib.request

STATUS = {'success': 'passed', 'xfail': 'passed', 'skip': 'skipped',
          'fail': 'failed', 'uxsuccess': 'failed'}
FIXTURE = re.compile(r'^(setUpClass|tearDownClass|setUpModule|tearDownModule) \((.*)\)$')


def bare(test_id):
    """The id without tempest's attributes, scenario kept: `...test_x[id-…,smoke](ipv6)` ->
    `...test_x(ipv6)`."""
    return re.sub(r'\[[^\]]*\]', '', test_id)


def module_of(test_id):
    return re.sub(r'\(.*\)$', '', bare(test_id)).rsplit('.', 2)[0]


def read_stream(path):
    """{test id: (subunit status, traceback or skip reason)} of a subunit v2 file."""
    import subunit
    import testtools

    out = {}
    details = collections.defaultdict(list)

    class Collector(testtools.StreamResult):
        def status(self, test_id=None, test_status=None, file_name=None,
                   file_bytes=None, **_):
            if not test_id:
                return
            if file_bytes and file_name in ('traceback', 'reason'):
                details[test_id].append(bytes(file_bytes).decode('utf-8', 'replace'))
            if test_status in STATUS:
                out[test_id] = (test_status, ''.join(details.pop(test_id, [])))

    if not os.path.exists(path):
        return out
    with open(path, 'rb') as f:
        result = Collector()
        result.startTestRun()
        subunit.ByteStreamToStreamResult(f, non_subunit_name='stdout').run(result)
        result.stopTestRun()
    return out


def summarize(stream, tests_file, outdir):
    listed = [line.strip() for line in open(tests_file) if line.strip()]
    raw = read_stream(stream)
    tests, fixtures = {}, {}
    for tid, (status, text) in raw.items():
        m = FIXTURE.match(tid)
        if not m:
            tests[bare(tid)] = (status, text)
        elif m.group(1).startswith('setUp') and status in ('fail', 'skip'):
            # a class or module that did not set up: its tests take this result
            if fixtures.get(m.group(2), ('', 'skip'))[1] != 'fail':
                fixtures[m.group(2)] = (m.group(1), status, text)
    rows = []
    for tid in listed:
        b = bare(tid)
        cls = re.sub(r'\(.*\)$', '', b).rsplit('.', 1)[0]
        if b in tests:
            status, text = tests[b]
        elif cls in fixtures or cls.rsplit('.', 1)[0] in fixtures:
            fx = fixtures.get(cls) or fixtures[cls.rsplit('.', 1)[0]]
            status, text = fx[1], '%s: %s' % (fx[0], fx[2])
        else:
            status, text = 'missing', 'no result (the worker died or the run timed out)'
        rows.append((tid, STATUS.get(status, 'failed'), text))
    counts = collections.Counter(r[1] for r in rows)
    with open(os.path.join(outdir, 'results.tsv'), 'w') as f:
        for tid, result, _ in sorted(rows, key=lambda r: r[0]):
            f.write('%s\t%s\n' % (result, tid))
    with open(os.path.join(outdir, 'failures.txt'), 'w') as f:
        for tid, result, text in rows:
            if result == 'failed':
                f.write('%s\nFAILED %s\n%s\n' % ('=' * 72, tid, text))
    reasons = collections.Counter(
        (text.strip().splitlines() or [''])[-1][:160] for _, r, text in rows if r == 'skipped')
    with open(os.path.join(outdir, 'skips.txt'), 'w') as f:
        for reason, n in reasons.most_common():
            f.write('%5d  %s\n' % (n, reason))
    per_module = collections.defaultdict(collections.Counter)
    for tid, result, _ in rows:
        per_module[module_of(tid)][result] += 1
    with open(os.path.join(outdir, 'per-module.txt'), 'w') as f:
        for mod in sorted(per_module):
            c = per_module[mod]
            f.write('%4d passed %4d failed %4d skipped  %s\n' % (
                c['passed'], c['failed'], c['skipped'], mod))
    line = '%d passed, %d failed, %d skipped' % (
        counts['passed'], counts['failed'], counts['skipped'])
    with open(os.path.join(outdir, 'summary.txt'), 'w') as f:
        f.write(line + '\n')
    print(line)


def read_results(path):
    out = {}
    for line in open(path):
        if '\t' in line:
            result, tid = line.rstrip('\n').split('\t', 1)
            out[bare(tid)] = result
    return out


def read_gaps(path):
    """Test ids of a known-gaps file: one per line, `#` starts a comment."""
    if not path or not os.path.exists(path):
        return set()
    return {line.split('#', 1)[0].strip() for line in open(path)} - {''}


def compare(results_file, reference_file, out_file, gaps_file=None):
    """Only the tests of this run are compared (a subset run compares a subset). Exit status 1
    when a test the reference passed did not pass here and is not a known gap."""
    quark = read_results(results_file)
    reference = read_results(reference_file)
    modules = collections.defaultdict(lambda: (collections.Counter(), collections.Counter()))
    for tid, result in quark.items():
        q, r = modules[module_of(tid)]
        q[result] += 1
        r[reference.get(tid, 'absent')] += 1
    lost = sorted(t for t, r in quark.items() if reference.get(t) == 'passed' and r != 'passed')
    gained = sorted(t for t, r in quark.items() if r == 'passed' and reference.get(t) != 'passed')
    lines = ['%-66s %13s   %13s' % ('module (passed/failed/skipped)', 'Quark', 'Neutron 21')]
    total = (collections.Counter(), collections.Counter())
    for mod in sorted(modules):
        q, r = modules[mod]
        total[0].update(q)
        total[1].update(r)
        mark = '' if q['passed'] >= r['passed'] else '  <'
        lines.append('%-66s %4d/%3d/%3d   %4d/%3d/%3d%s' % (
            mod, q['passed'], q['failed'], q['skipped'],
            r['passed'], r['failed'], r['skipped'], mark))
    q, r = total
    lines.append('%-66s %4d/%3d/%3d   %4d/%3d/%3d' % (
        'total', q['passed'], q['failed'], q['skipped'], r['passed'], r['failed'], r['skipped']))
    lines.append('')
    lines.append('passed on Neutron, not on Quark: %d' % len(lost))
    lines.extend('  %-7s %s' % (quark[t], t) for t in lost)
    lines.append('')
    lines.append('passed on Quark, not on Neutron: %d' % len(gained))
    lines.extend('  %-7s %s' % (reference.get(t, 'absent'), t) for t in gained)
    gaps = read_gaps(gaps_file)
    new = [t for t in lost if t not in gaps]
    closed = sorted(t for t in gaps if quark.get(t) == 'passed')
    if gaps_file:
        lines.append('')
        lines.append('not passing and not a known gap (regressions): %d' % len(new))
        lines.extend('  %-7s %s' % (quark[t], t) for t in new)
        lines.append('known gaps that pass now (remove them from %s): %d' % (gaps_file, len(closed)))
        lines.extend('  %s' % t for t in closed)
    with open(out_file, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines[:len(modules) + 2]))
    print('passed on Neutron, not on Quark: %d (listed in %s)' % (len(lost), out_file))
    if not gaps_file:
        return 1 if lost else 0
    print('known gaps that pass now: %d%s' % (len(closed), ''.join('\n  ' + t for t in closed)))
    print('regressions (not passing, not a known gap): %d%s' % (len(new), ''.join('\n  ' + t for t in new)))
    return 1 if new else 0


def cause_of(text):
    """A short cause for a failure: the error line and the server's message, ids masked."""
    wanted = []
    for line in text.splitlines():
        line = line.strip()
        if re.match(r'^[\w.]+(Error|Exception|NotFound|BadRequest|Conflict|Forbidden|'
                    r'Failure|Unauthorized|InvalidConfiguration|ServerFault)\b', line) \
                or line.startswith('Details:'):
            wanted.append(line)
    cause = ' | '.join(wanted) or (text.strip().splitlines() or ['no result'])[-1]
    cause = re.sub(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}',
                   '<id>', cause)
    cause = re.sub(r'<bound method [^>]*>', '<call>', cause)
    return cause[:200]


def gaps(results_file, failures_file, reference_file):
    quark = read_results(results_file)
    reference = read_results(reference_file)
    causes = {}
    for block in open(failures_file).read().split('=' * 72 + '\n')[1:]:
        head, _, text = block.partition('\n')
        causes[bare(head.split(' ', 1)[1])] = cause_of(text)
    lost = [t for t, r in quark.items() if reference.get(t) == 'passed' and r != 'passed']
    groups = collections.defaultdict(list)
    for t in lost:
        groups[causes.get(t, 'skipped here' if quark[t] == 'skipped' else 'no failure text')].append(t)
    print('# Tests that passed on the reference Neutron and do not pass on Quark yet, grouped by the')
    print('# error they fail with (scripts/conformance.sh: a failing test missing from this list is a')
    print('# regression). Made by `report.py gaps`; remove a test when it passes.')
    for cause, tests in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        print('\n# %d: %s' % (len(tests), cause))
        for t in sorted(tests):
            print(t)


def table(before_file, after_file, reference_file):
    runs = [read_results(f) for f in (before_file, after_file, reference_file)]
    modules = sorted({module_of(t) for run in runs for t in run})
    counts = [collections.defaultdict(collections.Counter) for _ in runs]
    for run, per in zip(runs, counts):
        for t, result in run.items():
            per[module_of(t)][result] += 1
    cell = lambda c: '%d / %d / %d' % (c['passed'], c['failed'], c['skipped'])
    print('| module | before | now | Neutron 21 |')
    print('|---|---:|---:|---:|')
    for mod in modules:
        print('| `%s` | %s |' % (mod.replace('neutron_tempest_plugin.api.', 'ntp.'),
                              ' | '.join(cell(per[mod]) for per in counts)))
    totals = [collections.Counter() for _ in runs]
    for per, total in zip(counts, totals):
        for c in per.values():
            total.update(c)
    print('| **total** | %s |' % ' | '.join('**%s**' % cell(t) for t in totals))


def call(method, url, body=None, token=None):
    headers = {'Accept': 'application/json'}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    if token:
        headers['X-Auth-Token'] = token
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as r:
            raw = r.read()
            return r.status, r.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors='replace')


def public_network(identity, user, password, project, name, cidr):
    status, headers, body = call('POST', identity.rstrip('/') + '/auth/tokens', {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': user, 'domain': {'name': 'Default'}, 'password': password}}},
        'scope': {'project': {'name': project, 'domain': {'name': 'Default'}}}}})
    if status != 201:
        sys.exit('login as %s: HTTP %s %s' % (user, status, body))
    token = headers['X-Subject-Token']
    network = [e for s in body['token']['catalog'] if s['type'] == 'network'
               for e in s['endpoints'] if e['interface'] == 'public'][0]['url'].rstrip('/')
    status, _, found = call('GET', network + '/v2.0/networks?router:external=true&name=' + name,
                            token=token)
    if status == 200 and found['networks']:
        print(found['networks'][0]['id'])
        return
    status, _, made = call('POST', network + '/v2.0/networks', {'network': {
        'name': name, 'router:external': True}}, token=token)
    if status != 201:
        sys.exit('create network %s: HTTP %s %s' % (name, status, made))
    net_id = made['network']['id']
    status, _, sub = call('POST', network + '/v2.0/subnets', {'subnet': {
        'name': name + '-subnet', 'network_id': net_id, 'ip_version': 4, 'cidr': cidr,
        'enable_dhcp': False}}, token=token)
    if status != 201:
        sys.exit('create subnet %s: HTTP %s %s' % (cidr, status, sub))
    print(net_id)


def main(argv):
    commands = {'summarize': (summarize, (3,)), 'compare': (compare, (3, 4)),
                'gaps': (gaps, (3,)), 'table': (table, (3,)),
                'public-network': (public_network, (6,))}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 not in commands[argv[1]][1]:
        sys.exit(__doc__)
    fn, _ = commands[argv[1]]
    return fn(*argv[2:]) or 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
