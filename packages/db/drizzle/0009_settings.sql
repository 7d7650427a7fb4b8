CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_ms` integer NOT NULL,
	`updated_by` text NOT NULL
);
