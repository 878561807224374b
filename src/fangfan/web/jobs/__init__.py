"""公益性岗位 (fangfan.web.jobs): see docs/fieldwork.md."""
