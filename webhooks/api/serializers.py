from rest_framework import serializers

from webhooks.choices import DeliveryStatus, EndpointStatus, EventType
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class WebhookEndpointInputSerializer(serializers.Serializer):
    """Register a receiver: an https URL (checked as on the staff page) and the events it wants."""

    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=2000)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices), min_length=1)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=EndpointStatus.choices, read_only=True)
    events = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "status", "paused_reason", "events", "created_at", "updated_at"]

    def get_events(self, endpoint: WebhookEndpoint) -> list[str]:
        return [subscription.event_type for subscription in endpoint.subscriptions.all()]  # prefetched


class WebhookSecretSerializer(serializers.Serializer):
    """The signing secret, shown this once (at registration or rotation)."""

    endpoint = WebhookEndpointSerializer()
    secret = serializers.CharField(help_text="`whsec_…`: keep it; it is never shown again.")


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "succeeded", "status_code", "error", "duration_ms"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    event_type = serializers.CharField(read_only=True, help_text="An event type, or `ping` for a test ping.")
    attempts = WebhookAttemptSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "created_at",
            "attempts",
        ]
