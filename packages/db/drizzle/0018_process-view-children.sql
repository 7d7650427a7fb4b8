DROP INDEX `events_children_idx`;--> statement-breakpoint
CREATE INDEX `events_children_idx` ON `events` (`host_id`,`parent_pid`,`time_ns`) WHERE "events"."type" = 1;