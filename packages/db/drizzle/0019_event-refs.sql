-- Alerts name their events by a time and a number, which both event stores answer (SQLite: the arrival number;
-- ClickHouse: the event's key), and keep the host and pid of the newest one rather than reading them from events.
ALTER TABLE `alert_events` ADD `time_ns` integer;--> statement-breakpoint
UPDATE `alert_events` SET `time_ns` = (SELECT `time_ns` FROM `events` WHERE `events`.`seq` = `alert_events`.`seq`);--> statement-breakpoint
CREATE INDEX `alert_events_time_idx` ON `alert_events` (`alert_id`,`time_ns`);--> statement-breakpoint
ALTER TABLE `alerts` ADD `last_host_id` integer;--> statement-breakpoint
ALTER TABLE `alerts` ADD `last_pid` integer;--> statement-breakpoint
UPDATE `alerts` SET `last_host_id` = (SELECT `host_id` FROM `events` WHERE `events`.`seq` = `alerts`.`last_seq`),
  `last_pid` = (SELECT `pid` FROM `events` WHERE `events`.`seq` = `alerts`.`last_seq`);
