# A monitor removed while its job still pings must not fail on PostgreSQL (see Ping), nor a batch of pings.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitors', '0002_impact_and_heartbeats'),
        ('results', '0005_ping_log_and_exit_code'),
    ]

    operations = [
        migrations.AlterField(
            model_name='ping',
            name='monitor',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='monitors.monitor'),
        ),
    ]
