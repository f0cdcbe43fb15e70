-- Generated together with ../mysql/; same tables and columns, SQLite types.
CREATE TABLE IF NOT EXISTS sip_capture_call (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  date TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  micro_ts INTEGER NOT NULL DEFAULT 0,
  method VARCHAR(50) NOT NULL DEFAULT '',
  reply_reason VARCHAR(100) NOT NULL DEFAULT '',
  ruri VARCHAR(200) NOT NULL DEFAULT '',
  ruri_user VARCHAR(100) NOT NULL DEFAULT '',
  ruri_domain VARCHAR(150) NOT NULL DEFAULT '',
  from_user VARCHAR(100) NOT NULL DEFAULT '',
  from_domain VARCHAR(150) NOT NULL DEFAULT '',
  from_tag VARCHAR(64) NOT NULL DEFAULT '',
  to_user VARCHAR(100) NOT NULL DEFAULT '',
  to_domain VARCHAR(150) NOT NULL DEFAULT '',
  to_tag VARCHAR(64) NOT NULL DEFAULT '',
  pid_user VARCHAR(100) NOT NULL DEFAULT '',
  contact_user VARCHAR(120) NOT NULL DEFAULT '',
  auth_user VARCHAR(120) NOT NULL DEFAULT '',
  callid VARCHAR(120) NOT NULL DEFAULT '',
  callid_aleg VARCHAR(120) NOT NULL DEFAULT '',
  via_1 VARCHAR(256) NOT NULL DEFAULT '',
  via_1_branch VARCHAR(80) NOT NULL DEFAULT '',
  cseq VARCHAR(25) NOT NULL DEFAULT '',
  diversion VARCHAR(256) NOT NULL DEFAULT '',
  reason VARCHAR(200) NOT NULL DEFAULT '',
  content_type VARCHAR(256) NOT NULL DEFAULT '',
  auth VARCHAR(256) NOT NULL DEFAULT '',
  user_agent VARCHAR(256) NOT NULL DEFAULT '',
  source_ip VARCHAR(60) NOT NULL DEFAULT '',
  source_port INTEGER NOT NULL DEFAULT 0,
  destination_ip VARCHAR(60) NOT NULL DEFAULT '',
  destination_port INTEGER NOT NULL DEFAULT 0,
  contact_ip VARCHAR(60) NOT NULL DEFAULT '',
  contact_port INTEGER NOT NULL DEFAULT 0,
  originator_ip VARCHAR(60) NOT NULL DEFAULT '',
  originator_port INTEGER NOT NULL DEFAULT 0,
  correlation_id VARCHAR(256) NOT NULL DEFAULT '',
  custom_field1 VARCHAR(120) NOT NULL DEFAULT '',
  custom_field2 VARCHAR(120) NOT NULL DEFAULT '',
  custom_field3 VARCHAR(120) NOT NULL DEFAULT '',
  proto INTEGER NOT NULL DEFAULT 0,
  family INTEGER DEFAULT NULL,
  rtp_stat VARCHAR(256) NOT NULL DEFAULT '',
  type INTEGER NOT NULL DEFAULT 0,
  node VARCHAR(125) NOT NULL DEFAULT '',
  msg TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sip_capture_call_ruri_user ON sip_capture_call (ruri_user);
CREATE INDEX IF NOT EXISTS sip_capture_call_from_user ON sip_capture_call (from_user);
CREATE INDEX IF NOT EXISTS sip_capture_call_to_user ON sip_capture_call (to_user);
CREATE INDEX IF NOT EXISTS sip_capture_call_pid_user ON sip_capture_call (pid_user);
CREATE INDEX IF NOT EXISTS sip_capture_call_auth_user ON sip_capture_call (auth_user);
CREATE INDEX IF NOT EXISTS sip_capture_call_callid_aleg ON sip_capture_call (callid_aleg);
CREATE INDEX IF NOT EXISTS sip_capture_call_date ON sip_capture_call (date);
CREATE INDEX IF NOT EXISTS sip_capture_call_callid ON sip_capture_call (callid);
CREATE TABLE IF NOT EXISTS sip_capture_registration (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  date TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  micro_ts INTEGER NOT NULL DEFAULT 0,
  method VARCHAR(50) NOT NULL DEFAULT '',
  reply_reason VARCHAR(100) NOT NULL DEFAULT '',
  ruri VARCHAR(200) NOT NULL DEFAULT '',
  ruri_user VARCHAR(100) NOT NULL DEFAULT '',
  ruri_domain VARCHAR(150) NOT NULL DEFAULT '',
  from_user VARCHAR(100) NOT NULL DEFAULT '',
  from_domain VARCHAR(150) NOT NULL DEFAULT '',
  from_tag VARCHAR(64) NOT NULL DEFAULT '',
  to_user VARCHAR(100) NOT NULL DEFAULT '',
  to_domain VARCHAR(150) NOT NULL DEFAULT '',
  to_tag VARCHAR(64) NOT NULL DEFAULT '',
  pid_user VARCHAR(100) NOT NULL DEFAULT '',
  contact_user VARCHAR(120) NOT NULL DEFAULT '',
  auth_user VARCHAR(120) NOT NULL DEFAULT '',
  callid VARCHAR(120) NOT NULL DEFAULT '',
  callid_aleg VARCHAR(120) NOT NULL DEFAULT '',
  via_1 VARCHAR(256) NOT NULL DEFAULT '',
  via_1_branch VARCHAR(80) NOT NULL DEFAULT '',
  cseq VARCHAR(25) NOT NULL DEFAULT '',
  diversion VARCHAR(256) NOT NULL DEFAULT '',
  reason VARCHAR(200) NOT NULL DEFAULT '',
  content_type VARCHAR(256) NOT NULL DEFAULT '',
  auth VARCHAR(256) NOT NULL DEFAULT '',
  user_agent VARCHAR(256) NOT NULL DEFAULT '',
  source_ip VARCHAR(60) NOT NULL DEFAULT '',
  source_port INTEGER NOT NULL DEFAULT 0,
  destination_ip VARCHAR(60) NOT NULL DEFAULT '',
  destination_port INTEGER NOT NULL DEFAULT 0,
  contact_ip VARCHAR(60) NOT NULL DEFAULT '',
  contact_port INTEGER NOT NULL DEFAULT 0,
  originator_ip VARCHAR(60) NOT NULL DEFAULT '',
  originator_port INTEGER NOT NULL DEFAULT 0,
  correlation_id VARCHAR(256) NOT NULL DEFAULT '',
  custom_field1 VARCHAR(120) NOT NULL DEFAULT '',
  custom_field2 VARCHAR(120) NOT NULL DEFAULT '',
  custom_field3 VARCHAR(120) NOT NULL DEFAULT '',
  proto INTEGER NOT NULL DEFAULT 0,
  family INTEGER DEFAULT NULL,
  rtp_stat VARCHAR(256) NOT NULL DEFAULT '',
  type INTEGER NOT NULL DEFAULT 0,
  node VARCHAR(125) NOT NULL DEFAULT '',
  msg TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sip_capture_registration_ruri_user ON sip_capture_registration (ruri_user);
CREATE INDEX IF NOT EXISTS sip_capture_registration_from_user ON sip_capture_registration (from_user);
CREATE INDEX IF NOT EXISTS sip_capture_registration_to_user ON sip_capture_registration (to_user);
CREATE INDEX IF NOT EXISTS sip_capture_registration_pid_user ON sip_capture_registration (pid_user);
CREATE INDEX IF NOT EXISTS sip_capture_registration_auth_user ON sip_capture_registration (auth_user);
CREATE INDEX IF NOT EXISTS sip_capture_registration_callid_aleg ON sip_capture_registration (callid_aleg);
CREATE INDEX IF NOT EXISTS sip_capture_registration_date ON sip_capture_registration (date);
CREATE INDEX IF NOT EXISTS sip_capture_registration_callid ON sip_capture_registration (callid);
CREATE TABLE IF NOT EXISTS sip_capture_rest (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  date TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  micro_ts INTEGER NOT NULL DEFAULT 0,
  method VARCHAR(50) NOT NULL DEFAULT '',
  reply_reason VARCHAR(100) NOT NULL DEFAULT '',
  ruri VARCHAR(200) NOT NULL DEFAULT '',
  ruri_user VARCHAR(100) NOT NULL DEFAULT '',
  ruri_domain VARCHAR(150) NOT NULL DEFAULT '',
  from_user VARCHAR(100) NOT NULL DEFAULT '',
  from_domain VARCHAR(150) NOT NULL DEFAULT '',
  from_tag VARCHAR(64) NOT NULL DEFAULT '',
  to_user VARCHAR(100) NOT NULL DEFAULT '',
  to_domain VARCHAR(150) NOT NULL DEFAULT '',
  to_tag VARCHAR(64) NOT NULL DEFAULT '',
  pid_user VARCHAR(100) NOT NULL DEFAULT '',
  contact_user VARCHAR(120) NOT NULL DEFAULT '',
  auth_user VARCHAR(120) NOT NULL DEFAULT '',
  callid VARCHAR(120) NOT NULL DEFAULT '',
  callid_aleg VARCHAR(120) NOT NULL DEFAULT '',
  via_1 VARCHAR(256) NOT NULL DEFAULT '',
  via_1_branch VARCHAR(80) NOT NULL DEFAULT '',
  cseq VARCHAR(25) NOT NULL DEFAULT '',
  diversion VARCHAR(256) NOT NULL DEFAULT '',
  reason VARCHAR(200) NOT NULL DEFAULT '',
  content_type VARCHAR(256) NOT NULL DEFAULT '',
  auth VARCHAR(256) NOT NULL DEFAULT '',
  user_agent VARCHAR(256) NOT NULL DEFAULT '',
  source_ip VARCHAR(60) NOT NULL DEFAULT '',
  source_port INTEGER NOT NULL DEFAULT 0,
  destination_ip VARCHAR(60) NOT NULL DEFAULT '',
  destination_port INTEGER NOT NULL DEFAULT 0,
  contact_ip VARCHAR(60) NOT NULL DEFAULT '',
  contact_port INTEGER NOT NULL DEFAULT 0,
  originator_ip VARCHAR(60) NOT NULL DEFAULT '',
  originator_port INTEGER NOT NULL DEFAULT 0,
  correlation_id VARCHAR(256) NOT NULL DEFAULT '',
  custom_field1 VARCHAR(120) NOT NULL DEFAULT '',
  custom_field2 VARCHAR(120) NOT NULL DEFAULT '',
  custom_field3 VARCHAR(120) NOT NULL DEFAULT '',
  proto INTEGER NOT NULL DEFAULT 0,
  family INTEGER DEFAULT NULL,
  rtp_stat VARCHAR(256) NOT NULL DEFAULT '',
  type INTEGER NOT NULL DEFAULT 0,
  node VARCHAR(125) NOT NULL DEFAULT '',
  msg TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sip_capture_rest_ruri_user ON sip_capture_rest (ruri_user);
CREATE INDEX IF NOT EXISTS sip_capture_rest_from_user ON sip_capture_rest (from_user);
CREATE INDEX IF NOT EXISTS sip_capture_rest_to_user ON sip_capture_rest (to_user);
CREATE INDEX IF NOT EXISTS sip_capture_rest_pid_user ON sip_capture_rest (pid_user);
CREATE INDEX IF NOT EXISTS sip_capture_rest_auth_user ON sip_capture_rest (auth_user);
CREATE INDEX IF NOT EXISTS sip_capture_rest_callid_aleg ON sip_capture_rest (callid_aleg);
CREATE INDEX IF NOT EXISTS sip_capture_rest_date ON sip_capture_rest (date);
CREATE INDEX IF NOT EXISTS sip_capture_rest_callid ON sip_capture_rest (callid);
