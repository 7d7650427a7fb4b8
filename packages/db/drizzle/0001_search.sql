-- Text search over what processes ran (comm, exe, filename, argv, cwd) and the files events name. The trigram
-- tokenizer matches any substring of 3+ characters, case-insensitively ("nc -e", "base64 -d", "/dev/shm/").
-- Rows are added by the ingest writer when a program or file is first stored, once per distinct value: no
-- per-event trigger on the hot path. The text lives in programs/files (external content).
CREATE VIRTUAL TABLE programs_fts USING fts5(
  comm, exe, filename, argv, cwd,
  content='', contentless_delete=1, tokenize='trigram'
);
--> statement-breakpoint
CREATE VIRTUAL TABLE files_fts USING fts5(
  path,
  content='', contentless_delete=1, tokenize='trigram'
);
