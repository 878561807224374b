"""驻村工作队 (fangfan.web.teams): see docs/fieldwork.md."""
