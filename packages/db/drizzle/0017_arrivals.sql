CREATE TABLE `arrivals` (
	`seq` integer PRIMARY KEY NOT NULL,
	`received_ms` integer NOT NULL
);
