CREATE TABLE `alert_events` (
	`alert_id` integer NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`alert_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rule` text NOT NULL,
	`severity` text NOT NULL,
	`title` text NOT NULL,
	`status` text NOT NULL,
	`assignee` text,
	`count` integer NOT NULL,
	`host_ids` text NOT NULL,
	`first_ns` integer NOT NULL,
	`last_ns` integer NOT NULL,
	`last_seq` integer NOT NULL,
	`updated_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_status_idx` ON `alerts` (`status`,`last_ns`);--> statement-breakpoint
CREATE INDEX `alerts_open_rule_idx` ON `alerts` (`rule`) WHERE "alerts"."status" != 'resolved';