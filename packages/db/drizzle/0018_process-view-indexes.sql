DROP INDEX `events_host_pid_idx`;--> statement-breakpoint
DROP INDEX `events_children_idx`;--> statement-breakpoint
CREATE INDEX `events_host_pid_idx` ON `events` (`host_id`,`pid`,`time_ns`);--> statement-breakpoint
CREATE INDEX `events_children_idx` ON `events` (`host_id`,`parent_pid`,`time_ns`) WHERE "events"."type" = 1;