#!/bin/sh
# One-shot (service minio-setup, image minio/mc): missionflow's bucket, and a MinIO user that may use
# that bucket and nothing else, so the platform never holds MinIO's root credentials. Safe to run
# again: it creates what is missing and resets the user's secret to the configured one.
# The image has a shell but no grep, so output is matched with `case`.
set -eu

: "${MINIO_URL:?MINIO_URL must be set}"
: "${MINIO_ROOT_USER:?MINIO_ROOT_USER must be set}"
: "${MINIO_ROOT_PASSWORD:?MINIO_ROOT_PASSWORD must be set}"
bucket="${S3_BUCKET:?S3_BUCKET must be set}"
app_key="${S3_ACCESS_KEY_ID:?S3_ACCESS_KEY_ID must be set}"
app_secret="${S3_SECRET_ACCESS_KEY:?S3_SECRET_ACCESS_KEY must be set}"
policy="missionflow-${bucket}-rw"

mc alias set store "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" > /dev/null
mc ready store

mc mb --ignore-existing "store/${bucket}"

# Read, write and delete objects and list the bucket (the blob store's HeadBucket at start needs
# s3:ListBucket); no bucket administration, no other bucket.
policy_file="$(mktemp)"
cat > "$policy_file" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::${bucket}"]
    },
    {
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts"
      ],
      "Resource": ["arn:aws:s3:::${bucket}/*"]
    }
  ]
}
JSON
mc admin policy create store "$policy" "$policy_file"
rm -f "$policy_file"

mc admin user add store "$app_key" "$app_secret"
user_info="$(mc admin user info store "$app_key")"
case "$user_info" in
  *"$policy"*) ;;
  *) mc admin policy attach store "$policy" --user "$app_key" ;;
esac
echo "bucket ${bucket} is ready; user ${app_key} has policy ${policy}"
