-- Generated together with ../mysql/; same tables and columns, SQLite types.
CREATE TABLE IF NOT EXISTS rtcp_capture (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  date TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  micro_ts INTEGER NOT NULL DEFAULT 0,
  correlation_id VARCHAR(256) NOT NULL DEFAULT '',
  source_ip VARCHAR(60) NOT NULL DEFAULT '',
  source_port INTEGER NOT NULL DEFAULT 0,
  destination_ip VARCHAR(60) NOT NULL DEFAULT '',
  destination_port INTEGER NOT NULL DEFAULT 0,
  proto INTEGER NOT NULL DEFAULT 0,
  family INTEGER DEFAULT NULL,
  type INTEGER NOT NULL DEFAULT 0,
  node VARCHAR(125) NOT NULL DEFAULT '',
  msg TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS rtcp_capture_date ON rtcp_capture (date);
CREATE INDEX IF NOT EXISTS rtcp_capture_correlation_id ON rtcp_capture (correlation_id);
CREATE TABLE IF NOT EXISTS report_capture (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  date TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  micro_ts INTEGER NOT NULL DEFAULT 0,
  correlation_id VARCHAR(256) NOT NULL DEFAULT '',
  source_ip VARCHAR(60) NOT NULL DEFAULT '',
  source_port INTEGER NOT NULL DEFAULT 0,
  destination_ip VARCHAR(60) NOT NULL DEFAULT '',
  destination_port INTEGER NOT NULL DEFAULT 0,
  proto INTEGER NOT NULL DEFAULT 0,
  family INTEGER DEFAULT NULL,
  type INTEGER NOT NULL DEFAULT 0,
  node VARCHAR(125) NOT NULL DEFAULT '',
  msg TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS report_capture_date ON report_capture (date);
CREATE INDEX IF NOT EXISTS report_capture_correlation_id ON report_capture (correlation_id);
CREATE TABLE IF NOT EXISTS logs_capture (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  date TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  micro_ts INTEGER NOT NULL DEFAULT 0,
  correlation_id VARCHAR(256) NOT NULL DEFAULT '',
  source_ip VARCHAR(60) NOT NULL DEFAULT '',
  source_port INTEGER NOT NULL DEFAULT 0,
  destination_ip VARCHAR(60) NOT NULL DEFAULT '',
  destination_port INTEGER NOT NULL DEFAULT 0,
  proto INTEGER NOT NULL DEFAULT 0,
  family INTEGER DEFAULT NULL,
  type INTEGER NOT NULL DEFAULT 0,
  node VARCHAR(125) NOT NULL DEFAULT '',
  msg TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS logs_capture_date ON logs_capture (date);
CREATE INDEX IF NOT EXISTS logs_capture_correlation_id ON logs_capture (correlation_id);
-- HOMER 6 report layout (report_capture() with proto_hep homer5_on=0).
CREATE TABLE IF NOT EXISTS ops_report_capture (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  gid INTEGER NOT NULL DEFAULT 10,
  tss TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  tsu INTEGER NOT NULL DEFAULT 0,
  transaction_id VARCHAR(256) NOT NULL DEFAULT '',
  correlation_id VARCHAR(256) NOT NULL DEFAULT '',
  source_ip VARCHAR(60) NOT NULL DEFAULT '',
  source_port INTEGER NOT NULL DEFAULT 0,
  destination_ip VARCHAR(60) NOT NULL DEFAULT '',
  destination_port INTEGER NOT NULL DEFAULT 0,
  capture_ip VARCHAR(60) NOT NULL DEFAULT '',
  proto INTEGER NOT NULL DEFAULT 0,
  family INTEGER DEFAULT NULL,
  type INTEGER NOT NULL DEFAULT 0,
  capt_id INTEGER NOT NULL DEFAULT 0,
  node VARCHAR(125) NOT NULL DEFAULT '',
  event VARCHAR(256) NOT NULL DEFAULT '',
  payload_len INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS ops_report_capture_tss ON ops_report_capture (tss);
CREATE INDEX IF NOT EXISTS ops_report_capture_transaction_id ON ops_report_capture (transaction_id);
