from rest_framework import serializers

from portfolio.models import Milestone, Project, StatusUpdate


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProjectOutputSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    sponsors = CustomerRefSerializer(many=True)
    budget_burn = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "owner",
            "agenda",
            "status",
            "health",
            "approved_budget",
            "actual_spend",
            "budget_burn",
            "start_date",
            "target_date",
            "expected_revenue",
            "realized_revenue",
            "progress",
            "sponsors",
            "created_at",
            "updated_at",
        ]

    def get_owner(self, project: Project) -> str | None:
        return project.owner.get_username() if project.owner else None


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["name", "due_date", "done_date"]


class StatusUpdateSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = StatusUpdate
        fields = ["health", "note", "author", "created_at"]

    def get_author(self, update: StatusUpdate) -> str | None:
        return update.author.get_username() if update.author else None


class DemandRefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    customer = serializers.CharField(source="customer.name", default=None)


class ProjectDetailSerializer(ProjectOutputSerializer):
    milestones = MilestoneSerializer(many=True)
    latest_update = serializers.SerializerMethodField()
    demands = DemandRefSerializer(many=True)

    class Meta(ProjectOutputSerializer.Meta):
        fields = [*ProjectOutputSerializer.Meta.fields, "milestones", "latest_update", "demands"]

    def get_latest_update(self, project: Project) -> dict | None:
        updates = list(project.status_updates.all())  # prefetched, newest first
        return StatusUpdateSerializer(updates[0]).data if updates else None
