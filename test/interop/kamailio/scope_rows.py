#!/usr/bin/env python3
"""Checks sip_capture rows of traced calls against per-scope expectations.

usage: scope_rows.py ROWS.tsv UAC PROXY UAS SCOPE=CALLS...

ROWS.tsv: `mariadb -B` / `sqlite3 -separator '\t' -header` output of
  select method, cseq, source_ip, source_port, destination_ip,
         destination_port, callid, correlation_id from sip_capture
(header line first). UAC, PROXY, UAS: ip:port as seen on the wire. Each
Call-ID starts with "<scope>-" (sipp -cid_str "<scope>-%u-%p@..."); for
each scope every call must have exactly the expected multiset of
(method or code, CSeq, source, destination) and correlation_id = Call-ID;
SCOPE=CALLS says how many calls of that scope must be present. Scopes:
  m  the INVITE as received (1 a call)
  t  INVITE in, 100 out (tm), INVITE out, 180 in/out, 200 in/out (7)
  d  t + ACK in + BYE in/out + 200 (BYE) in/out (12)
  s  stateless forward(), sip_trace(.., "m") on every request and on every
     reply in onreply_route: every message as received (6)
Prints one line per scope; exit 1 with the differences otherwise.
"""
import collections
import sys


def expected(scope, uac, px, uas):
    inv, bye = "1 INVITE", "2 BYE"
    m = [("INVITE", inv, uac, px)]
    t = m + [("100", inv, px, uac), ("INVITE", inv, px, uas),
             ("180", inv, uas, px), ("180", inv, px, uac),
             ("200", inv, uas, px), ("200", inv, px, uac)]
    d = t + [("ACK", "1 ACK", uac, px), ("BYE", bye, uac, px),
             ("BYE", bye, px, uas), ("200", bye, uas, px),
             ("200", bye, px, uac)]
    s = m + [("180", inv, uas, px), ("200", inv, uas, px),
             ("ACK", "1 ACK", uac, px), ("BYE", bye, uac, px),
             ("200", bye, uas, px)]
    return {"m": m, "t": t, "d": d, "s": s}[scope]


def main():
    rows_file, uac, px, uas = sys.argv[1:5]
    want_calls = dict(a.split("=") for a in sys.argv[5:])
    lines = open(rows_file).read().splitlines()
    header = lines[0].split("\t")
    calls = collections.defaultdict(list)
    bad = []
    for line in lines[1:]:
        r = dict(zip(header, line.split("\t")))
        cid = r["callid"]
        if r["correlation_id"] != cid:
            bad.append("%s: correlation_id %r != Call-ID" % (cid, r["correlation_id"]))
        calls[cid].append((r["method"], r["cseq"],
                           "%s:%s" % (r["source_ip"], r["source_port"]),
                           "%s:%s" % (r["destination_ip"], r["destination_port"])))
    per_scope = collections.Counter()
    for cid, got in sorted(calls.items()):
        scope = cid.split("-", 1)[0]
        if scope not in want_calls:
            bad.append("%s: unexpected Call-ID (scope %r)" % (cid, scope))
            continue
        per_scope[scope] += 1
        want = expected(scope, uac, px, uas)
        if sorted(got) != sorted(want):
            extra = collections.Counter(got) - collections.Counter(want)
            missing = collections.Counter(want) - collections.Counter(got)
            bad.append("%s: %d rows, want %d; extra %s; missing %s" % (
                cid, len(got), len(want), sorted(extra.elements()),
                sorted(missing.elements())))
    for scope, n in sorted(want_calls.items()):
        if per_scope[scope] != int(n):
            bad.append("scope %s: %d calls seen, want %s" % (scope, per_scope[scope], n))
        else:
            print("scope %s: %s calls (%d rows a call expected)" % (
                scope, n, len(expected(scope, uac, px, uas))))
    if bad:
        print("\n".join(bad[:8] + (["... %d more" % (len(bad) - 8)] if len(bad) > 8 else [])))
        sys.exit(1)


main()
