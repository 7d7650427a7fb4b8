CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`host_id` integer NOT NULL,
	`secret_hash` text NOT NULL,
	`enroll_token_id` text,
	`created_ms` integer NOT NULL,
	`revoked_ms` integer,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`enroll_token_id`) REFERENCES `enroll_tokens`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_ms` integer NOT NULL,
	`last_used_ms` integer,
	`revoked_ms` integer
);
--> statement-breakpoint
CREATE TABLE `boots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`boot` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `boots_boot_unique` ON `boots` (`boot`);--> statement-breakpoint
CREATE TABLE `enroll_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`secret_hash` text NOT NULL,
	`name` text NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`created_ms` integer NOT NULL,
	`expires_ms` integer,
	`max_uses` integer,
	`uses` integer DEFAULT 0 NOT NULL,
	`revoked_ms` integer
);
--> statement-breakpoint
CREATE TABLE `event_streams` (
	`agent_id` text NOT NULL,
	`stream` text NOT NULL,
	`last_seq` integer NOT NULL,
	PRIMARY KEY(`agent_id`, `stream`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`host_id` integer NOT NULL,
	`time_ns` integer NOT NULL,
	`type` integer NOT NULL,
	`sensor` integer NOT NULL,
	`verdict` integer NOT NULL,
	`pid` integer NOT NULL,
	`tid` integer NOT NULL,
	`ppid` integer NOT NULL,
	`uid` integer NOT NULL,
	`euid` integer NOT NULL,
	`gid` integer NOT NULL,
	`cgroup_id` integer NOT NULL,
	`program_id` integer NOT NULL,
	`parent_pid` integer,
	`parent_id` integer,
	`file_id` integer,
	`target_pid` integer,
	`target_id` integer,
	`boot_id` integer,
	`ktime` integer,
	`event_id` text,
	`exit_status` integer,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `events_time_idx` ON `events` (`time_ns`,`type`);--> statement-breakpoint
CREATE INDEX `events_host_time_idx` ON `events` (`host_id`,`time_ns`);--> statement-breakpoint
CREATE INDEX `events_security_idx` ON `events` (`type`,`time_ns`) WHERE "events"."type" >= 3;--> statement-breakpoint
CREATE INDEX `events_host_pid_idx` ON `events` (`host_id`,`pid`);--> statement-breakpoint
CREATE INDEX `events_program_idx` ON `events` (`program_id`);--> statement-breakpoint
CREATE INDEX `events_file_idx` ON `events` (`file_id`) WHERE "events"."file_id" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` blob NOT NULL,
	`path` text NOT NULL,
	`dev` integer NOT NULL,
	`inode` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `files_key_unique` ON `files` (`key`);--> statement-breakpoint
CREATE TABLE `hosts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`machine_id` text NOT NULL,
	`name` text NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`os` text,
	`kernel` text,
	`agent_version` text,
	`sensor_mode` text,
	`sensor_reason` text,
	`capabilities` text,
	`health` text,
	`spool_depth` integer,
	`policy_version` integer,
	`first_seen_ms` integer NOT NULL,
	`last_seen_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hosts_machine_id_unique` ON `hosts` (`machine_id`);--> statement-breakpoint
CREATE TABLE `programs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` blob NOT NULL,
	`comm` text NOT NULL,
	`exe` text NOT NULL,
	`filename` text,
	`argv` text,
	`cwd` text,
	`extra` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `programs_key_unique` ON `programs` (`key`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`created_ms` integer NOT NULL,
	`disabled_ms` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_name_unique` ON `users` (`name`);