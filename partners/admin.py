from django.contrib import admin

from partners.models import Agreement, Partner, ProductComponent


class AgreementInline(admin.TabularInline):
    model = Agreement
    extra = 1
    min_num = 1  # a partner with no agreement is not in the register


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "relationship", "competitor_risk")
    list_filter = ("relationship", "competitor_risk")
    search_fields = ("name",)
    inlines = [AgreementInline]


@admin.register(ProductComponent)
class ProductComponentAdmin(admin.ModelAdmin):
    list_display = ("name", "product", "is_core_ip")
    list_filter = ("product", "is_core_ip")
    search_fields = ("name",)
