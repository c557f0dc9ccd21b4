from ninja import NinjaAPI

api = NinjaAPI(title="Custode API", version="1", urls_namespace="api")
