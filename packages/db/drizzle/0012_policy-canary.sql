ALTER TABLE `policies` ADD `canary_hosts` text;--> statement-breakpoint
ALTER TABLE `policies` ADD `stable_version` integer;