CREATE TABLE `event_rollups` (
	`minute` integer NOT NULL,
	`host_id` integer NOT NULL,
	`type` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`minute`, `host_id`, `type`)
);
--> statement-breakpoint
CREATE TABLE `exec_rollups` (
	`hour` integer NOT NULL,
	`exe` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`hour`, `exe`)
);
--> statement-breakpoint
-- Events stored before this version are counted once here.
INSERT INTO `event_rollups` (`minute`, `host_id`, `type`, `count`)
  SELECT `time_ns` / 60000000000, `host_id`, `type`, count(*) FROM `events` GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO `exec_rollups` (`hour`, `exe`, `count`)
  SELECT e.`time_ns` / 3600000000000, p.`exe`, count(*) FROM `events` e JOIN `programs` p ON p.`id` = e.`program_id`
  WHERE e.`type` = 0 GROUP BY 1, 2;
