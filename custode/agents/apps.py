from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "custode.agents"
    label = "agents"
