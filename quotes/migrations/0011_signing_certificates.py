"""The distributor's signing certificates, every one ever used: verification trusts these
(docs/DOMAIN.md#verifying-an-offer). No data: the configured certificate is recorded the first
time the portal signs with it, meets it in a verification, or `manage.py
record_signing_certificate` runs (at start)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('quotes', '0010_acceptance_links_evidence_and_outgoing_email'),
    ]

    operations = [
        migrations.CreateModel(
            name='SigningCertificate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fingerprint', models.CharField(max_length=64, unique=True, verbose_name='SHA-256 fingerprint')),
                ('subject', models.CharField(max_length=500, verbose_name='subject')),
                ('not_before', models.DateTimeField(verbose_name='valid from')),
                ('not_after', models.DateTimeField(verbose_name='valid until')),
                ('pem', models.TextField(verbose_name='certificate (PEM)')),
                ('recorded_at', models.DateTimeField(verbose_name='recorded at')),
                ('first_used_at', models.DateTimeField(blank=True, null=True, verbose_name='first used at')),
            ],
            options={
                'verbose_name': 'signing certificate',
                'verbose_name_plural': 'signing certificates',
                'ordering': ['recorded_at', 'pk'],
            },
        ),
    ]
