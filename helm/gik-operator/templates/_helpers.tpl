{{/* The release's full name: the release name, with the chart name appended unless it contains it. */}}
{{- define "gik.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object; pass a dict with "ctx" (the root) and "component". */}}
{{- define "gik.labels" -}}
app.kubernetes.io/name: gik
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: gik
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The operator pods' selector (stable across upgrades). */}}
{{- define "gik.operatorSelector" -}}
app.kubernetes.io/name: gik
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "gik.operatorServiceAccount" -}}
{{- default (include "gik.fullname" .) .Values.operator.serviceAccount.name -}}
{{- end -}}

{{/* The image of the operator and of the Job pods. */}}
{{- define "gik.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Namespaces that get the Job service account: jobs.namespaces, else watchNamespace, else the release's. */}}
{{- define "gik.jobNamespaces" -}}
{{- if .Values.jobs.namespaces -}}
{{- toJson .Values.jobs.namespaces -}}
{{- else -}}
{{- toJson (list (default .Release.Namespace .Values.watchNamespace)) -}}
{{- end -}}
{{- end -}}
