CREATE TABLE `event_rollups_hourly` (
	`hour` integer NOT NULL,
	`host_id` integer NOT NULL,
	`type` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`hour`, `host_id`, `type`)
);
--> statement-breakpoint
INSERT INTO `event_rollups_hourly` (`hour`, `host_id`, `type`, `count`)
  SELECT `minute` / 60, `host_id`, `type`, sum(`count`) FROM `event_rollups` GROUP BY 1, 2, 3;
