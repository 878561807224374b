"""Field work II: village work teams, public-welfare jobs, projects and funds, industry income.

Django-free rules the web apps (`fangfan.web.teams`, `.jobs`, `.projects`, `.industry`) and
the CLI call: `rules` reads the year's numbers from the policy file (`[field]` in
`fangfan/engine/policy_years/<year>.toml`), each other module is one part's pure logic.
"""
