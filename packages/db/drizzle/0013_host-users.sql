CREATE TABLE `host_users` (
	`host_id` integer NOT NULL,
	`uid` integer NOT NULL,
	`name` text NOT NULL,
	PRIMARY KEY(`host_id`, `uid`),
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE no action
);
