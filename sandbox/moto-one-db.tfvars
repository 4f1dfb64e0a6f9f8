# moto gives every RDS DB instance the same DbiResourceId (db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U),
# and the AWS provider reads an instance back by that id: with a second instance in the same
# moto account and region the read matches two and fails ("couldn't find resource"). The
# sandbox keeps all three environments in one moto, so dev alone runs MLflow's database;
# stage and prod plan and apply without it. scripts/infra-test applies MLflow in every
# environment, one environment at a time.
enable_mlflow = false
