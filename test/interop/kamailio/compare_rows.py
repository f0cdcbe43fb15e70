#!/usr/bin/env python3
"""Compare two `mariadb -B` dumps of sip_capture (sipcapd, Kamailio) field by field.

usage: compare_rows.py SIPCAPD_TSV KAMAILIO_TSV
Each file: a header line of column names, then one row per line. Rows are
matched by (callid, cseq, type, method, source_port, destination_port,
micro_ts). Every column must be equal, except the deliberate differences in
DOCUMENTED (also listed in doc/interop.md), which must hold exactly as
described. Exits 1 and prints every undocumented difference."""
import sys

# column -> (description, predicate(sipcapd_row, kamailio_row))
DOCUMENTED = {
    "proto": ("sipcapd stores the IPPROTO number (17 = UDP), Kamailio its internal "
              "proto id (1 = UDP)",
              lambda a, b: (a["proto"], b["proto"]) in {("17", "1"), ("6", "2")}),
    "correlation_id": ("without a HEP correlation chunk (0x11) sipcapd leaves correlation_id "
                       "empty (OpenSIPS 2.4 has no such column); Kamailio stores the Call-ID",
                       lambda a, b: a["correlation_id"] == "" and b["correlation_id"] == b["callid"]),
}
KEY = ("callid", "cseq", "type", "method", "source_port", "destination_port", "micro_ts")


def load(path):
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        lines = f.read().split("\n")
    head = lines[0].split("\t")
    rows = [dict(zip(head, l.split("\t"))) for l in lines[1:] if l]
    return head, rows


def main():
    ha, ra = load(sys.argv[1])
    hb, rb = load(sys.argv[2])
    errors = []
    if ha != hb:
        errors.append(f"columns differ: {ha} vs {hb}")
    ka = {tuple(r[k] for k in KEY): r for r in ra}
    kb = {tuple(r[k] for k in KEY): r for r in rb}
    if len(ka) != len(ra) or len(kb) != len(rb):
        errors.append(f"duplicate keys: sipcapd {len(ra)} rows/{len(ka)} keys, kamailio {len(rb)}/{len(kb)}")
    for k in sorted(set(ka) - set(kb)):
        errors.append(f"only in sipcapd: {k}")
    for k in sorted(set(kb) - set(ka)):
        errors.append(f"only in kamailio: {k}")
    used = set()
    for k in sorted(set(ka) & set(kb)):
        a, b = ka[k], kb[k]
        for col in ha:
            if a.get(col) == b.get(col):
                continue
            if col in DOCUMENTED and DOCUMENTED[col][1](a, b):
                used.add(col)
                continue
            errors.append(f"{k[0]} {k[3]} cseq={k[1]}: {col}: sipcapd [{a.get(col)}] kamailio [{b.get(col)}]")
    for col in sorted(used):
        print(f"documented difference seen: {col}: {DOCUMENTED[col][0]}")
    print(f"compared {len(set(ka) & set(kb))} rows x {len(ha)} columns")
    for e in errors[:60]:
        print("DIFF " + e)
    if len(errors) > 60:
        print(f"... {len(errors) - 60} more")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
