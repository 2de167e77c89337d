package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// logSubsystem groups the API client's log lines (TF_LOG_PROVIDER_ECSAPI).
const logSubsystem = "ecsapi"

// secretFieldKeys are masked in every log entry, provider or client. The API
// client promises never to log secrets; masking these keys is a second line
// of defence should a field with such a name ever be added.
var secretFieldKeys = []string{
	"password", "new_password", "password_wo", "encrypted_password", "private_key",
	"secret_key", "security_token", "token", "auth_token",
	"authorization", "x-auth-token", "x-security-token", "x-subject-token",
}

// withLogMasking prepares ctx for logging: it registers the client's
// subsystem and masks secret field keys in both loggers.
func withLogMasking(ctx context.Context) context.Context {
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, secretFieldKeys...)
	ctx = tflog.NewSubsystem(ctx, logSubsystem, tflog.WithAdditionalLocationOffset(1))
	ctx = tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, logSubsystem, secretFieldKeys...)
	return ctx
}

// withSecretMasked also masks a known secret value wherever it appears in a
// message or field of either logger.
func withSecretMasked(ctx context.Context, secret string) context.Context {
	if secret == "" {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, secret)
	ctx = tflog.MaskAllFieldValuesStrings(ctx, secret)
	ctx = tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, secret)
	ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, secret)
	return ctx
}

// tflogLogger forwards the API client's log entries to Terraform's log.
type tflogLogger struct{}

var _ ecsapi.Logger = tflogLogger{}

// Debug implements ecsapi.Logger.
func (tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemDebug(ctx, logSubsystem, msg, fields)
}

// Warn implements ecsapi.Logger.
func (tflogLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemWarn(ctx, logSubsystem, msg, fields)
}
