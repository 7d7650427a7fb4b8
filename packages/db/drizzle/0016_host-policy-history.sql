CREATE TABLE `host_policy_changes` (
	`id` integer PRIMARY KEY NOT NULL,
	`host_id` integer NOT NULL,
	`time_ms` integer NOT NULL,
	`hash` text,
	`applied` text NOT NULL,
	`error` text,
	`enforcing` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `host_policy_changes_host_idx` ON `host_policy_changes` (`host_id`,`id`);