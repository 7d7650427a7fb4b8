CREATE TABLE `host_samples` (
	`host_id` integer NOT NULL,
	`minute` integer NOT NULL,
	`sensor_mode` text,
	`drops` integer NOT NULL,
	`spool_depth` integer NOT NULL,
	PRIMARY KEY(`host_id`, `minute`)
);
--> statement-breakpoint
CREATE INDEX `host_samples_minute_idx` ON `host_samples` (`minute`);--> statement-breakpoint
ALTER TABLE `hosts` ADD `lsm_lost_ms` integer;--> statement-breakpoint
ALTER TABLE `hosts` ADD `health_alerts` text DEFAULT '[]' NOT NULL;