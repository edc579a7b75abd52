"""The agent directory: tickets' own copy of routing's agents, to validate assignees and scope what agents see."""
