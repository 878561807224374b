"""衔接资金项目 (fangfan.web.projects): see docs/fieldwork.md."""
