# The files a contact attaches in the portal belong to a message and no mail; a mail's still belong to it.

import custode.tickets.models
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0003_mail'),
    ]

    operations = [
        migrations.AlterField(
            model_name='attachment',
            name='mail',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='tickets.inboundmail'),
        ),
        migrations.AlterField(
            model_name='attachment',
            name='reply',
            field=models.ForeignKey(blank=True, null=True, on_delete=custode.tickets.models.files_of_the_message, related_name='attachments', to='tickets.reply'),
        ),
        migrations.AddConstraint(
            model_name='attachment',
            constraint=models.CheckConstraint(condition=models.Q(('mail__isnull', False), ('reply__isnull', False), _connector='OR'), name='attachment_of_mail_or_message'),
        ),
    ]
