-- Keep mysql/ and sqlite/ in sync (same tables, same columns).
-- Non-SIP HEP payloads stored by report_capture(): RTCP, logs, reports (HOMER 5 layout).
CREATE TABLE IF NOT EXISTS `rtcp_capture` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `date` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `micro_ts` bigint(18) NOT NULL DEFAULT 0,
  `correlation_id` varchar(256) NOT NULL DEFAULT '',
  `source_ip` varchar(60) NOT NULL DEFAULT '',
  `source_port` int(10) NOT NULL DEFAULT 0,
  `destination_ip` varchar(60) NOT NULL DEFAULT '',
  `destination_port` int(10) NOT NULL DEFAULT 0,
  `proto` int(10) NOT NULL DEFAULT 0,
  `family` int(1) DEFAULT NULL,
  `type` int(10) NOT NULL DEFAULT 0,
  `node` varchar(125) NOT NULL DEFAULT '',
  `msg` mediumtext NOT NULL,
  PRIMARY KEY (`id`,`date`),
  KEY `date` (`date`),
  KEY `correlationid` (`correlation_id`(255))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='homer5';
CREATE TABLE IF NOT EXISTS `report_capture` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `date` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `micro_ts` bigint(18) NOT NULL DEFAULT 0,
  `correlation_id` varchar(256) NOT NULL DEFAULT '',
  `source_ip` varchar(60) NOT NULL DEFAULT '',
  `source_port` int(10) NOT NULL DEFAULT 0,
  `destination_ip` varchar(60) NOT NULL DEFAULT '',
  `destination_port` int(10) NOT NULL DEFAULT 0,
  `proto` int(10) NOT NULL DEFAULT 0,
  `family` int(1) DEFAULT NULL,
  `type` int(10) NOT NULL DEFAULT 0,
  `node` varchar(125) NOT NULL DEFAULT '',
  `msg` mediumtext NOT NULL,
  PRIMARY KEY (`id`,`date`),
  KEY `date` (`date`),
  KEY `correlationid` (`correlation_id`(255))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='homer5';
CREATE TABLE IF NOT EXISTS `logs_capture` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `date` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `micro_ts` bigint(18) NOT NULL DEFAULT 0,
  `correlation_id` varchar(256) NOT NULL DEFAULT '',
  `source_ip` varchar(60) NOT NULL DEFAULT '',
  `source_port` int(10) NOT NULL DEFAULT 0,
  `destination_ip` varchar(60) NOT NULL DEFAULT '',
  `destination_port` int(10) NOT NULL DEFAULT 0,
  `proto` int(10) NOT NULL DEFAULT 0,
  `family` int(1) DEFAULT NULL,
  `type` int(10) NOT NULL DEFAULT 0,
  `node` varchar(125) NOT NULL DEFAULT '',
  `msg` mediumtext NOT NULL,
  PRIMARY KEY (`id`,`date`),
  KEY `date` (`date`),
  KEY `correlationid` (`correlation_id`(255))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='homer5';
-- HOMER 6 report layout (OpenSIPS report6capture.sql, 17 columns written by
-- report_capture() when proto_hep homer5_on=0). Point rtcp_table_name or the
-- report_capture() table argument at it. gid is never written (default 10).
CREATE TABLE IF NOT EXISTS `ops_report_capture` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `gid` int(10) unsigned NOT NULL DEFAULT 10,
  `tss` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `tsu` int(10) unsigned NOT NULL DEFAULT 0,
  `transaction_id` varchar(256) NOT NULL DEFAULT '',
  `correlation_id` varchar(256) NOT NULL DEFAULT '',
  `source_ip` varchar(60) NOT NULL DEFAULT '',
  `source_port` int(10) NOT NULL DEFAULT 0,
  `destination_ip` varchar(60) NOT NULL DEFAULT '',
  `destination_port` int(10) NOT NULL DEFAULT 0,
  `capture_ip` varchar(60) NOT NULL DEFAULT '',
  `proto` int(10) NOT NULL DEFAULT 0,
  `family` int(1) DEFAULT NULL,
  `type` int(10) NOT NULL DEFAULT 0,
  `capt_id` int(10) unsigned NOT NULL DEFAULT 0,
  `node` varchar(125) NOT NULL DEFAULT '',
  `event` varchar(256) NOT NULL DEFAULT '',
  `payload_len` int(10) NOT NULL DEFAULT 0,
  `data` mediumtext NOT NULL,
  PRIMARY KEY (`id`,`tss`),
  KEY `date` (`tss`),
  KEY `correlationid` (`transaction_id`(255))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='homer6';
