"""Renewal items become one per offer: a customer's installations co-termed (or one
installation), each installation in a RenewalTarget (still once per window); items end as done,
skipped or failed with a reason code and parameters; a heartbeat for the sweeper."""

import django.db.models.deletion
from django.db import migrations, models


def items_to_targets(apps, schema_editor):
    RenewalItem = apps.get_model("quotes", "RenewalItem")
    RenewalTarget = apps.get_model("quotes", "RenewalTarget")
    for item in RenewalItem.objects.select_related("installation"):
        item.customer_id = item.installation.customer_id
        if item.status == "failed" and item.error:
            item.reason_code, item.reason_params = "refused", {"message": item.error}
        item.save(update_fields=["customer", "reason_code", "reason_params"])
        RenewalTarget.objects.create(item=item, installation_id=item.installation_id,
                                     window_end=item.window_end)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0005_customer_list_indexes"),
        ("quotes", "0007_quote_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="renewalbatch", name="per_installation",
            field=models.BooleanField(
                default=False, help_text="Otherwise one offer per customer, its installations co-termed.",
                verbose_name="one offer per installation"),
        ),
        migrations.AlterField(
            model_name="renewalbatch", name="window_end",
            field=models.DateField(verbose_name="cycle end"),
        ),
        migrations.RemoveConstraint(
            model_name="renewalitem", name="one_renewal_per_installation_and_window",
        ),
        migrations.AddField(
            model_name="renewalitem", name="customer",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="customers.customer"),
        ),
        migrations.AddField(model_name="renewalitem", name="reason_code",
                            field=models.CharField(blank=True, max_length=40)),
        migrations.AddField(model_name="renewalitem", name="reason_params",
                            field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(model_name="renewalitem", name="attempts",
                            field=models.PositiveSmallIntegerField(default=0)),
        migrations.AddField(model_name="renewalitem", name="queued_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="renewalitem", name="started_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AlterField(
            model_name="renewalitem", name="status",
            field=models.CharField(choices=[("pending", "waiting"), ("done", "done"),
                                            ("skipped", "skipped"), ("failed", "failed")],
                                   default="pending", max_length=10),
        ),
        migrations.CreateModel(
            name="RenewalTarget",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("window_end", models.DateField()),
                ("installation", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                    to="customers.installation")),
                ("item", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="targets", to="quotes.renewalitem")),
            ],
            options={
                "ordering": ["pk"],
                "constraints": [models.UniqueConstraint(
                    fields=("installation", "window_end"),
                    name="one_renewal_per_installation_and_window")],
            },
        ),
        migrations.RunPython(items_to_targets, migrations.RunPython.noop),
        migrations.RemoveField(model_name="renewalitem", name="installation"),
        migrations.RemoveField(model_name="renewalitem", name="error"),
        migrations.AlterField(
            model_name="renewalitem", name="customer",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="customers.customer"),
        ),
        migrations.AddField(
            model_name="renewalitem", name="installations",
            field=models.ManyToManyField(related_name="+", through="quotes.RenewalTarget",
                                         to="customers.installation"),
        ),
        migrations.AddIndex(
            model_name="renewalitem",
            index=models.Index(condition=models.Q(("status", "pending")), fields=["queued_at"],
                               name="renewal_item_pending"),
        ),
    ]
