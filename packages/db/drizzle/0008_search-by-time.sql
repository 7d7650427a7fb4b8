DROP INDEX `events_program_idx`;--> statement-breakpoint
DROP INDEX `events_file_idx`;--> statement-breakpoint
CREATE INDEX `events_program_idx` ON `events` (`program_id`,`time_ns`);--> statement-breakpoint
CREATE INDEX `events_file_idx` ON `events` (`file_id`,`time_ns`) WHERE "events"."file_id" IS NOT NULL;