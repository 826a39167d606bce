"""Each issued offer names the certificate that signed its PDF (the column holds its SHA-256
fingerprint), set once with the PDF's hash. Offers signed before stay empty: they verify
through the recorded certificate of the key that signed them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('quotes', '0011_signing_certificates'),
    ]

    operations = [
        migrations.AddField(
            model_name='quote',
            name='signing_certificate',
            field=models.ForeignKey(blank=True, db_column='signing_certificate_sha256', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='offers', to='quotes.signingcertificate', to_field='fingerprint', verbose_name='signing certificate'),
        ),
    ]
