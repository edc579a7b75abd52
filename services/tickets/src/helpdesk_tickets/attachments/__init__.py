"""Attachments: streamed uploads, sniffed and deny-listed, stored behind a storage interface."""
