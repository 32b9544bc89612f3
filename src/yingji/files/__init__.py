"""Uploaded files (photos, documents) attached to any record, stored under the storage root."""
