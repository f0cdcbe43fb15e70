-- Generated together with ../mysql/; same tables and columns, SQLite types.
CREATE TABLE IF NOT EXISTS version (
  table_name CHAR(32) NOT NULL UNIQUE,
  table_version INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO version (table_name, table_version) VALUES ('sip_trace', 5);
CREATE TABLE IF NOT EXISTS sip_trace (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_stamp TEXT NOT NULL DEFAULT '1900-01-01 00:00:01',
  callid CHAR(255) NOT NULL DEFAULT '',
  trace_attrs CHAR(255) DEFAULT NULL,
  msg TEXT NOT NULL,
  method CHAR(32) NOT NULL DEFAULT '',
  status CHAR(255) DEFAULT NULL,
  from_proto VARCHAR(16) NOT NULL,
  from_ip CHAR(50) NOT NULL DEFAULT '',
  from_port INTEGER NOT NULL,
  to_proto VARCHAR(16) NOT NULL,
  to_ip CHAR(50) NOT NULL DEFAULT '',
  to_port INTEGER NOT NULL,
  fromtag CHAR(64) NOT NULL DEFAULT '',
  direction CHAR(4) NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sip_trace_trace_attrs_idx ON sip_trace (trace_attrs);
CREATE INDEX IF NOT EXISTS sip_trace_date_idx ON sip_trace (time_stamp);
CREATE INDEX IF NOT EXISTS sip_trace_fromip_idx ON sip_trace (from_ip);
CREATE INDEX IF NOT EXISTS sip_trace_callid_idx ON sip_trace (callid);
