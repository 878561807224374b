"""产业收入 (fangfan.web.industry): see docs/fieldwork.md."""
