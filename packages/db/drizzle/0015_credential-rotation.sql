ALTER TABLE `agents` ADD `rotate_requested_ms` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `next_secret_hash` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `rotated_ms` integer;