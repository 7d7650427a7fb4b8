-- Text search over what processes ran (comm, exe, filename, argv, cwd) and the files events name, by words:
-- "/usr/bin/curl -s" is the words usr, bin, curl, s; a search is a phrase whose last word may be a prefix.
-- Rows are added by the ingest writer when a program or file is first stored, once per distinct value: no
-- per-event trigger on the hot path. Contentless: the text itself lives in programs and files.
CREATE VIRTUAL TABLE programs_fts USING fts5(
  comm, exe, filename, argv, cwd,
  content='', contentless_delete=1
);
--> statement-breakpoint
CREATE VIRTUAL TABLE files_fts USING fts5(
  path,
  content='', contentless_delete=1
);
