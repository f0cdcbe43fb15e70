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
