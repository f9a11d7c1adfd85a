/**
 * Field tables for the built-in kinds this folder decodes, in the language `schema.ts` describes.
 *
 * Field numbers and wire types come from the `generated.proto` files of k8s.io/api and
 * k8s.io/apimachinery (meta/v1, core/v1, authorization/v1, authentication/v1, policy/v1,
 * coordination/v1, rbac/v1, events/v1). JSON names, pointer-ness and `omitempty` come from the Go
 * struct tags in the matching `types.go` files (k8s.io/api after v0.37.0-beta.0, Kubernetes 1.37
 * development), and the tables were checked field by field against the .proto files. Protobuf field
 * numbers never change meaning, so older and newer clients decode correctly; fields a newer client
 * adds are skipped and listed in `unknownFields`.
 *
 * Only messages reachable from the registered kinds (decode.ts) are here. To add a kind, add its
 * message tree from the upstream files, register it in `KIND_MESSAGES`, and add a test.
 */
export const KUBERNETES_SCHEMA = `
# ---- meta.k8s.io/v1 (apimachinery pkg/apis/meta/v1) ----
DeleteOptions {
  1 gracePeriodSeconds int64 ptr
  2 preconditions Preconditions ptr
  3 orphanDependents bool ptr
  4 propagationPolicy string ptr
  5 dryRun []string
  6 ignoreStoreReadErrorWithClusterBreakingPotential bool ptr
}
ObjectMeta {
  1 name string
  2 generateName string
  3 namespace string
  4 selfLink string
  5 uid string
  6 resourceVersion string
  7 generation int64
  8 creationTimestamp Time omitzero
  9 deletionTimestamp Time ptr
  10 deletionGracePeriodSeconds int64 ptr
  11 labels map<string>
  12 annotations map<string>
  13 ownerReferences []OwnerReference
  14 finalizers []string
  17 managedFields []ManagedFieldsEntry
}
Preconditions {
  1 uid string ptr
  2 resourceVersion string ptr
}
OwnerReference {
  5 apiVersion string req
  1 kind string req
  3 name string req
  4 uid string req
  6 controller bool ptr
  7 blockOwnerDeletion bool ptr
}
ManagedFieldsEntry {
  1 manager string
  2 operation string
  3 apiVersion string
  4 time Time ptr
  6 fieldsType string
  7 fieldsV1 FieldsV1 ptr
  8 subresource string
}
LabelSelector {
  1 matchLabels map<string>
  2 matchExpressions []LabelSelectorRequirement
}
Condition {
  1 type string req
  2 status string req
  3 observedGeneration int64
  4 lastTransitionTime Time req
  5 reason string req
  6 message string req
}
LabelSelectorRequirement {
  1 key string req
  2 operator string req
  3 values []string
}
FieldSelectorRequirement {
  1 key string req
  2 operator string req
  3 values []string
}
# ---- core/v1 (the Pod volume sources of retired in-tree cloud and storage plugins are left out) ----
Namespace {
  1 metadata ObjectMeta
  2 spec NamespaceSpec
  3 status NamespaceStatus
}
ConfigMap {
  1 metadata ObjectMeta
  4 immutable bool ptr
  2 data map<string>
  3 binaryData map<bytes>
}
Secret {
  1 metadata ObjectMeta
  5 immutable bool ptr
  2 data map<bytes>
  4 stringData map<string>
  3 type string
}
ServiceAccount {
  1 metadata ObjectMeta
  2 secrets []ObjectReference
  3 imagePullSecrets []LocalObjectReference
  4 automountServiceAccountToken bool ptr
}
Event {
  1 metadata ObjectMeta req
  2 involvedObject ObjectReference req
  3 reason string
  4 message string
  5 source EventSource
  6 firstTimestamp Time
  7 lastTimestamp Time
  8 count int32
  9 type string
  10 eventTime MicroTime
  11 series EventSeries ptr
  12 action string
  13 related ObjectReference ptr
  14 reportingComponent string req
  15 reportingInstance string req
}
Pod {
  1 metadata ObjectMeta
  2 spec PodSpec
  3 status PodStatus
}
Node {
  1 metadata ObjectMeta
  2 spec NodeSpec
  3 status NodeStatus
}
NamespaceSpec {
  1 finalizers []string
}
NamespaceStatus {
  1 phase string
  2 conditions []NamespaceCondition
}
ObjectReference {
  1 kind string
  2 namespace string
  3 name string
  4 uid string
  5 apiVersion string
  6 resourceVersion string
  7 fieldPath string
}
LocalObjectReference {
  1 name string
}
EventSource {
  1 component string
  2 host string
}
EventSeries {
  1 count int32
  2 lastObservedTime MicroTime
}
PodSpec {
  1 volumes []Volume
  20 initContainers []Container
  2 containers []Container req
  34 ephemeralContainers []EphemeralContainer
  3 restartPolicy string
  4 terminationGracePeriodSeconds int64 ptr
  5 activeDeadlineSeconds int64 ptr
  6 dnsPolicy string
  7 nodeSelector map<string>
  8 serviceAccountName string
  9 serviceAccount string
  21 automountServiceAccountToken bool ptr
  10 nodeName string
  11 hostNetwork bool
  12 hostPID bool
  13 hostIPC bool
  27 shareProcessNamespace bool ptr
  14 securityContext PodSecurityContext ptr
  15 imagePullSecrets []LocalObjectReference
  16 hostname string
  17 subdomain string
  18 affinity Affinity ptr
  19 schedulerName string
  22 tolerations []Toleration
  23 hostAliases []HostAlias
  24 priorityClassName string
  25 priority int32 ptr
  26 dnsConfig PodDNSConfig ptr
  28 readinessGates []PodReadinessGate
  29 runtimeClassName string ptr
  30 enableServiceLinks bool ptr
  31 preemptionPolicy string ptr
  32 overhead map<Quantity>
  33 topologySpreadConstraints []TopologySpreadConstraint
  35 setHostnameAsFQDN bool ptr
  36 os PodOS ptr
  37 hostUsers bool ptr
  38 schedulingGates []PodSchedulingGate
  39 resourceClaims []PodResourceClaim
  40 resources ResourceRequirements ptr
  41 hostnameOverride string ptr
  43 schedulingGroup PodSchedulingGroup ptr
  44 evictionResponders []EvictionResponder
}
PodStatus {
  17 observedGeneration int64
  1 phase string
  2 conditions []PodCondition
  3 message string
  4 reason string
  11 nominatedNodeName string
  5 hostIP string
  16 hostIPs []HostIP
  6 podIP string
  12 podIPs []PodIP
  7 startTime Time ptr
  10 initContainerStatuses []ContainerStatus
  8 containerStatuses []ContainerStatus
  9 qosClass string
  13 ephemeralContainerStatuses []ContainerStatus
  14 resize string
  15 resourceClaimStatuses []PodResourceClaimStatus
  18 extendedResourceClaimStatus PodExtendedResourceClaimStatus ptr
  19 allocatedResources map<Quantity>
  20 resources ResourceRequirements ptr
  21 nodeAllocatableResourceClaimStatuses []NodeAllocatableResourceClaimStatus
  22 volumeHealth []PodVolumeHealth
}
NodeSpec {
  1 podCIDR string
  7 podCIDRs []string
  3 providerID string
  4 unschedulable bool
  5 taints []Taint
  6 configSource NodeConfigSource ptr
  2 externalID string
  8 podPreemptionPolicy NodePodPreemptionPolicy ptr
}
NodeStatus {
  1 capacity map<Quantity>
  2 allocatable map<Quantity>
  3 phase string
  4 conditions []NodeCondition
  5 addresses []NodeAddress
  6 daemonEndpoints NodeDaemonEndpoints
  7 nodeInfo NodeSystemInfo
  8 images []ContainerImage
  9 volumesInUse []string
  10 volumesAttached []AttachedVolume
  11 config NodeConfigStatus ptr
  12 runtimeHandlers []NodeRuntimeHandler
  13 features NodeFeatures ptr
  14 declaredFeatures []string
}
NamespaceCondition {
  1 type string req
  2 status string req
  4 lastTransitionTime Time
  5 reason string
  6 message string
}
Volume {
  1 name string req
  2 - VolumeSource inline
}
Container {
  1 name string req
  2 image string
  3 command []string
  4 args []string
  5 workingDir string
  6 ports []ContainerPort
  19 envFrom []EnvFromSource
  7 env []EnvVar
  8 resources ResourceRequirements
  23 resizePolicy []ContainerResizePolicy
  24 restartPolicy string ptr
  25 restartPolicyRules []ContainerRestartRule
  9 volumeMounts []VolumeMount
  21 volumeDevices []VolumeDevice
  10 livenessProbe Probe ptr
  11 readinessProbe Probe ptr
  22 startupProbe Probe ptr
  12 lifecycle Lifecycle ptr
  13 terminationMessagePath string
  20 terminationMessagePolicy string
  14 imagePullPolicy string
  15 securityContext SecurityContext ptr
  16 stdin bool
  17 stdinOnce bool
  18 tty bool
}
EphemeralContainer {
  1 - EphemeralContainerCommon inline
  2 targetContainerName string
}
PodSecurityContext {
  1 seLinuxOptions SELinuxOptions ptr
  8 windowsOptions WindowsSecurityContextOptions ptr
  2 runAsUser int64 ptr
  6 runAsGroup int64 ptr
  3 runAsNonRoot bool ptr
  4 supplementalGroups []int64
  12 supplementalGroupsPolicy string ptr
  5 fsGroup int64 ptr
  7 sysctls []Sysctl
  9 fsGroupChangePolicy string ptr
  10 seccompProfile SeccompProfile ptr
  11 appArmorProfile AppArmorProfile ptr
  13 seLinuxChangePolicy string ptr
}
Affinity {
  1 nodeAffinity NodeAffinity ptr
  2 podAffinity PodAffinity ptr
  3 podAntiAffinity PodAntiAffinity ptr
}
Toleration {
  1 key string
  2 operator string
  3 value string
  4 effect string
  5 tolerationSeconds int64 ptr
}
HostAlias {
  1 ip string req
  2 hostnames []string
}
PodDNSConfig {
  1 nameservers []string
  2 searches []string
  3 options []PodDNSConfigOption
}
PodReadinessGate {
  1 conditionType string req
}
TopologySpreadConstraint {
  1 maxSkew int32 req
  2 topologyKey string req
  3 whenUnsatisfiable string req
  4 labelSelector LabelSelector ptr
  5 minDomains int32 ptr
  6 nodeAffinityPolicy string ptr
  7 nodeTaintsPolicy string ptr
  8 matchLabelKeys []string
}
PodOS {
  1 name string req
}
PodSchedulingGate {
  1 name string req
}
PodResourceClaim {
  1 name string req
  3 resourceClaimName string ptr
  4 resourceClaimTemplateName string ptr
}
ResourceRequirements {
  1 limits map<Quantity>
  2 requests map<Quantity>
  3 claims []ResourceClaim
}
PodSchedulingGroup {
  1 podGroupName string ptr
}
EvictionResponder {
  1 name string req
  2 priority int32 ptr req
}
PodCondition {
  1 type string req
  7 observedGeneration int64
  2 status string req
  3 lastProbeTime Time
  4 lastTransitionTime Time
  5 reason string
  6 message string
}
HostIP {
  1 ip string req
}
PodIP {
  1 ip string req
}
ContainerStatus {
  1 name string req
  2 state ContainerState
  3 lastState ContainerState
  4 ready bool req
  5 restartCount int32 req
  6 image string req
  7 imageID string req
  8 containerID string
  9 started bool ptr
  10 allocatedResources map<Quantity>
  11 resources ResourceRequirements ptr
  12 volumeMounts []VolumeMountStatus
  13 user ContainerUser ptr
  14 allocatedResourcesStatus []ResourceStatus
  15 stopSignal string ptr
}
PodResourceClaimStatus {
  1 name string req
  2 resourceClaimName string ptr
}
PodExtendedResourceClaimStatus {
  1 requestMappings []ContainerExtendedResourceRequest req
  2 resourceClaimName string req
}
NodeAllocatableResourceClaimStatus {
  1 resourceClaimName string req
  2 containers []string
  4 mapping []NodeAllocatableMappedResources
  5 overhead []NodeAllocatableOverheadResources
}
PodVolumeHealth {
  1 name string req
  2 healthConditions []VolumeHealthCondition
  3 lastTransitionTime Time
}
Taint {
  1 key string req
  2 value string
  3 effect string req
  4 timeAdded Time ptr
}
NodeConfigSource {
  2 configMap ConfigMapNodeConfigSource ptr
}
NodePodPreemptionPolicy {
  1 disableResizePreemption []string
}
NodeCondition {
  1 type string req
  2 status string req
  3 lastHeartbeatTime Time
  4 lastTransitionTime Time
  5 reason string
  6 message string
}
NodeAddress {
  1 type string req
  2 address string req
}
NodeDaemonEndpoints {
  1 kubeletEndpoint DaemonEndpoint
}
NodeSystemInfo {
  1 machineID string req
  2 systemUUID string req
  3 bootID string req
  4 kernelVersion string req
  5 osImage string req
  6 containerRuntimeVersion string req
  7 kubeletVersion string req
  8 kubeProxyVersion string req
  9 operatingSystem string req
  10 architecture string req
  11 swap NodeSwapStatus ptr
}
ContainerImage {
  1 names []string req
  2 sizeBytes int64
}
AttachedVolume {
  1 name string req
  2 devicePath string req
}
NodeConfigStatus {
  1 assigned NodeConfigSource ptr
  2 active NodeConfigSource ptr
  3 lastKnownGood NodeConfigSource ptr
  4 error string
}
NodeRuntimeHandler {
  1 name string req
  2 features NodeRuntimeHandlerFeatures ptr
}
NodeFeatures {
  1 supplementalGroupsPolicy bool ptr
}
VolumeSource {
  1 hostPath HostPathVolumeSource ptr
  2 emptyDir EmptyDirVolumeSource ptr
  6 secret SecretVolumeSource ptr
  7 nfs NFSVolumeSource ptr
  10 persistentVolumeClaim PersistentVolumeClaimVolumeSource ptr
  16 downwardAPI DownwardAPIVolumeSource ptr
  19 configMap ConfigMapVolumeSource ptr
  26 projected ProjectedVolumeSource ptr
  28 csi CSIVolumeSource ptr
  29 ephemeral EphemeralVolumeSource ptr
  30 image ImageVolumeSource ptr
}
ContainerPort {
  1 name string
  2 hostPort int32
  3 containerPort int32 req
  4 protocol string
  5 hostIP string
}
EnvFromSource {
  1 prefix string
  2 configMapRef ConfigMapEnvSource ptr
  3 secretRef SecretEnvSource ptr
}
EnvVar {
  1 name string req
  2 value string
  3 valueFrom EnvVarSource ptr
}
ContainerResizePolicy {
  1 resourceName string req
  2 restartPolicy string req
}
ContainerRestartRule {
  1 action string
  2 exitCodes ContainerRestartRuleOnExitCodes ptr
}
VolumeMount {
  1 name string req
  2 readOnly bool
  7 recursiveReadOnly string ptr
  3 mountPath string req
  4 subPath string
  5 mountPropagation string ptr
  6 subPathExpr string
  8 bindMountOptions []string
}
VolumeDevice {
  1 name string req
  2 devicePath string req
}
Probe {
  1 - ProbeHandler inline
  2 initialDelaySeconds int32
  3 timeoutSeconds int32
  4 periodSeconds int32
  5 successThreshold int32
  6 failureThreshold int32
  7 terminationGracePeriodSeconds int64 ptr
}
Lifecycle {
  1 postStart LifecycleHandler ptr
  2 preStop LifecycleHandler ptr
  3 stopSignal string ptr
}
SecurityContext {
  1 capabilities Capabilities ptr
  2 privileged bool ptr
  3 seLinuxOptions SELinuxOptions ptr
  10 windowsOptions WindowsSecurityContextOptions ptr
  4 runAsUser int64 ptr
  8 runAsGroup int64 ptr
  5 runAsNonRoot bool ptr
  6 readOnlyRootFilesystem bool ptr
  7 allowPrivilegeEscalation bool ptr
  9 procMount string ptr
  11 seccompProfile SeccompProfile ptr
  12 appArmorProfile AppArmorProfile ptr
}
EphemeralContainerCommon {
  1 name string req
  2 image string
  3 command []string
  4 args []string
  5 workingDir string
  6 ports []ContainerPort
  19 envFrom []EnvFromSource
  7 env []EnvVar
  8 resources ResourceRequirements
  23 resizePolicy []ContainerResizePolicy
  24 restartPolicy string ptr
  25 restartPolicyRules []ContainerRestartRule
  9 volumeMounts []VolumeMount
  21 volumeDevices []VolumeDevice
  10 livenessProbe Probe ptr
  11 readinessProbe Probe ptr
  22 startupProbe Probe ptr
  12 lifecycle Lifecycle ptr
  13 terminationMessagePath string
  20 terminationMessagePolicy string
  14 imagePullPolicy string
  15 securityContext SecurityContext ptr
  16 stdin bool
  17 stdinOnce bool
  18 tty bool
}
SELinuxOptions {
  1 user string
  2 role string
  3 type string
  4 level string
}
WindowsSecurityContextOptions {
  1 gmsaCredentialSpecName string ptr
  2 gmsaCredentialSpec string ptr
  3 runAsUserName string ptr
  4 hostProcess bool ptr
}
Sysctl {
  1 name string req
  2 value string req
}
SeccompProfile {
  1 type string req
  2 localhostProfile string ptr
}
AppArmorProfile {
  1 type string req
  2 localhostProfile string ptr
}
NodeAffinity {
  1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector ptr
  2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm
}
PodAffinity {
  1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm
  2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm
}
PodAntiAffinity {
  1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm
  2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm
}
PodDNSConfigOption {
  1 name string
  2 value string ptr
}
ResourceClaim {
  1 name string req
  2 request string
}
ContainerState {
  1 waiting ContainerStateWaiting ptr
  2 running ContainerStateRunning ptr
  3 terminated ContainerStateTerminated ptr
}
VolumeMountStatus {
  1 name string req
  2 mountPath string req
  3 readOnly bool
  4 recursiveReadOnly string ptr
  5 volumeStatus VolumeStatus ptr
}
ContainerUser {
  1 linux LinuxContainerUser ptr
}
ResourceStatus {
  1 name string req
  2 resources []ResourceHealth
}
ContainerExtendedResourceRequest {
  1 containerName string req
  2 resourceName string req
  3 requestName string req
}
NodeAllocatableMappedResources {
  1 name string req
  2 quantity Quantity ptr req
}
NodeAllocatableOverheadResources {
  1 name string req
  2 perPod Quantity ptr
  3 perContainer Quantity ptr
}
VolumeHealthCondition {
  1 status string req
  2 reason string req
  3 message string
}
ConfigMapNodeConfigSource {
  1 namespace string req
  2 name string req
  3 uid string
  4 resourceVersion string
  5 kubeletConfigKey string req
}
DaemonEndpoint {
  1 Port int32 req
}
NodeSwapStatus {
  1 capacity int64 ptr
}
NodeRuntimeHandlerFeatures {
  1 recursiveReadOnlyMounts bool ptr
  2 userNamespaces bool ptr
}
HostPathVolumeSource {
  1 path string req
  2 type string ptr
}
EmptyDirVolumeSource {
  1 medium string
  2 sizeLimit Quantity ptr
  3 mode int32 ptr
}
SecretVolumeSource {
  1 secretName string
  2 items []KeyToPath
  3 defaultMode int32 ptr
  4 optional bool ptr
  5 defaultUser int64 ptr
}
NFSVolumeSource {
  1 server string req
  2 path string req
  3 readOnly bool
}
PersistentVolumeClaimVolumeSource {
  1 claimName string req
  2 readOnly bool
}
DownwardAPIVolumeSource {
  1 items []DownwardAPIVolumeFile
  2 defaultMode int32 ptr
  3 defaultUser int64 ptr
}
ConfigMapVolumeSource {
  1 - LocalObjectReference inline
  2 items []KeyToPath
  3 defaultMode int32 ptr
  4 optional bool ptr
  5 defaultUser int64 ptr
}
ProjectedVolumeSource {
  1 sources []VolumeProjection req
  2 defaultMode int32 ptr
  3 defaultUser int64 ptr
}
CSIVolumeSource {
  1 driver string req
  2 readOnly bool ptr
  3 fsType string ptr
  4 volumeAttributes map<string>
  5 nodePublishSecretRef LocalObjectReference ptr
}
EphemeralVolumeSource {
  1 volumeClaimTemplate PersistentVolumeClaimTemplate ptr
}
ImageVolumeSource {
  1 reference string
  2 pullPolicy string
}
ConfigMapEnvSource {
  1 - LocalObjectReference inline
  2 optional bool ptr
}
SecretEnvSource {
  1 - LocalObjectReference inline
  2 optional bool ptr
}
EnvVarSource {
  1 fieldRef ObjectFieldSelector ptr
  2 resourceFieldRef ResourceFieldSelector ptr
  3 configMapKeyRef ConfigMapKeySelector ptr
  4 secretKeyRef SecretKeySelector ptr
  5 fileKeyRef FileKeySelector ptr
}
ContainerRestartRuleOnExitCodes {
  1 operator string
  2 values []int32
}
ProbeHandler {
  1 exec ExecAction ptr
  2 httpGet HTTPGetAction ptr
  3 tcpSocket TCPSocketAction ptr
  4 grpc GRPCAction ptr
}
LifecycleHandler {
  1 exec ExecAction ptr
  2 httpGet HTTPGetAction ptr
  3 tcpSocket TCPSocketAction ptr
  4 sleep SleepAction ptr
}
Capabilities {
  1 add []string
  2 drop []string
}
NodeSelector {
  1 nodeSelectorTerms []NodeSelectorTerm req
}
PreferredSchedulingTerm {
  1 weight int32 req
  2 preference NodeSelectorTerm req
}
PodAffinityTerm {
  1 labelSelector LabelSelector ptr
  2 namespaces []string
  3 topologyKey string req
  4 namespaceSelector LabelSelector ptr
  5 matchLabelKeys []string
  6 mismatchLabelKeys []string
}
WeightedPodAffinityTerm {
  1 weight int32 req
  2 podAffinityTerm PodAffinityTerm req
}
ContainerStateWaiting {
  1 reason string
  2 message string
}
ContainerStateRunning {
  1 startedAt Time
}
ContainerStateTerminated {
  1 exitCode int32 req
  2 signal int32
  3 reason string
  4 message string
  5 startedAt Time
  6 finishedAt Time
  7 containerID string
}
VolumeStatus {
  1 image ImageVolumeStatus ptr
}
LinuxContainerUser {
  1 uid int64 req
  2 gid int64 req
  3 supplementalGroups []int64
}
ResourceHealth {
  1 resourceID string req
  2 health string
  6 message string ptr
}
KeyToPath {
  1 key string req
  2 path string req
  3 mode int32 ptr
  4 user int64 ptr
}
DownwardAPIVolumeFile {
  1 path string req
  2 fieldRef ObjectFieldSelector ptr
  3 resourceFieldRef ResourceFieldSelector ptr
  4 mode int32 ptr
  5 user int64 ptr
}
VolumeProjection {
  1 secret SecretProjection ptr
  2 downwardAPI DownwardAPIProjection ptr
  3 configMap ConfigMapProjection ptr
  4 serviceAccountToken ServiceAccountTokenProjection ptr
  5 clusterTrustBundle ClusterTrustBundleProjection ptr
  6 podCertificate PodCertificateProjection ptr
}
PersistentVolumeClaimTemplate {
  1 metadata ObjectMeta
  2 spec PersistentVolumeClaimSpec req
}
ObjectFieldSelector {
  1 apiVersion string
  2 fieldPath string req
}
ResourceFieldSelector {
  1 containerName string
  2 resource string req
  3 divisor Quantity
}
ConfigMapKeySelector {
  1 - LocalObjectReference inline
  2 key string req
  3 optional bool ptr
}
SecretKeySelector {
  1 - LocalObjectReference inline
  2 key string req
  3 optional bool ptr
}
FileKeySelector {
  1 volumeName string req
  2 path string req
  3 key string req
  4 optional bool ptr
}
ExecAction {
  1 command []string
}
HTTPGetAction {
  1 path string
  2 port IntOrString req
  3 host string
  4 scheme string
  5 httpHeaders []HTTPHeader
  6 protocol string ptr
}
TCPSocketAction {
  1 port IntOrString req
  2 host string
}
GRPCAction {
  1 port int32 req
  2 service string ptr req
  3 mode string ptr
}
SleepAction {
  1 seconds int64 req
}
NodeSelectorTerm {
  1 matchExpressions []NodeSelectorRequirement
  2 matchFields []NodeSelectorRequirement
}
ImageVolumeStatus {
  1 imageRef string
}
SecretProjection {
  1 - LocalObjectReference inline
  2 items []KeyToPath
  4 optional bool ptr
}
DownwardAPIProjection {
  1 items []DownwardAPIVolumeFile
}
ConfigMapProjection {
  1 - LocalObjectReference inline
  2 items []KeyToPath
  4 optional bool ptr
}
ServiceAccountTokenProjection {
  1 audience string
  2 expirationSeconds int64 ptr
  3 path string req
  4 user int64 ptr
}
ClusterTrustBundleProjection {
  1 name string ptr
  2 signerName string ptr
  3 labelSelector LabelSelector ptr
  5 optional bool ptr
  4 path string req
  6 user int64 ptr
}
PodCertificateProjection {
  1 signerName string
  2 keyType string
  3 maxExpirationSeconds int32 ptr
  4 credentialBundlePath string
  5 keyPath string
  6 certificateChainPath string
  7 userAnnotations map<string>
  8 user int64 ptr
}
PersistentVolumeClaimSpec {
  1 accessModes []string
  4 selector LabelSelector ptr
  2 resources VolumeResourceRequirements
  3 volumeName string
  5 storageClassName string ptr
  6 volumeMode string ptr
  7 dataSource TypedLocalObjectReference ptr
  8 dataSourceRef TypedObjectReference ptr
  9 volumeAttributesClassName string ptr
}
HTTPHeader {
  1 name string req
  2 value string req
}
NodeSelectorRequirement {
  1 key string req
  2 operator string req
  3 values []string
}
VolumeResourceRequirements {
  1 limits map<Quantity>
  2 requests map<Quantity>
}
TypedLocalObjectReference {
  1 apiGroup string ptr req
  2 kind string req
  3 name string req
}
TypedObjectReference {
  1 apiGroup string ptr req
  2 kind string req
  3 name string req
  4 namespace string ptr
}
# ---- authorization.k8s.io/v1 ----
SelfSubjectAccessReview {
  1 metadata ObjectMeta
  2 spec SelfSubjectAccessReviewSpec req
  3 status SubjectAccessReviewStatus
}
SubjectAccessReview {
  1 metadata ObjectMeta
  2 spec SubjectAccessReviewSpec req
  3 status SubjectAccessReviewStatus
}
LocalSubjectAccessReview {
  1 metadata ObjectMeta
  2 spec SubjectAccessReviewSpec req
  3 status SubjectAccessReviewStatus
}
SelfSubjectRulesReview {
  1 metadata ObjectMeta
  2 spec SelfSubjectRulesReviewSpec req
  3 status SubjectRulesReviewStatus
}
SelfSubjectAccessReviewSpec {
  1 resourceAttributes ResourceAttributes ptr
  2 nonResourceAttributes NonResourceAttributes ptr
}
SubjectAccessReviewStatus {
  1 allowed bool req
  4 denied bool
  2 reason string
  3 evaluationError string
}
SubjectAccessReviewSpec {
  1 resourceAttributes ResourceAttributes ptr
  2 nonResourceAttributes NonResourceAttributes ptr
  3 user string
  4 groups []string
  5 extra map<StringList>
  6 uid string
}
SelfSubjectRulesReviewSpec {
  1 namespace string
}
SubjectRulesReviewStatus {
  1 resourceRules []ResourceRule req
  2 nonResourceRules []NonResourceRule req
  3 incomplete bool req
  4 evaluationError string
}
ResourceAttributes {
  1 namespace string
  2 verb string
  3 group string
  4 version string
  5 resource string
  6 subresource string
  7 name string
  8 fieldSelector FieldSelectorAttributes ptr
  9 labelSelector LabelSelectorAttributes ptr
}
NonResourceAttributes {
  1 path string
  2 verb string
}
ResourceRule {
  1 verbs []string req
  2 apiGroups []string
  3 resources []string
  4 resourceNames []string
}
NonResourceRule {
  1 verbs []string req
  2 nonResourceURLs []string
}
FieldSelectorAttributes {
  1 rawSelector string
  2 requirements []FieldSelectorRequirement
}
LabelSelectorAttributes {
  1 rawSelector string
  2 requirements []LabelSelectorRequirement
}
# ---- authentication.k8s.io/v1 ----
SelfSubjectReview {
  1 metadata ObjectMeta
  2 status SelfSubjectReviewStatus
}
TokenReview {
  1 metadata ObjectMeta
  2 spec TokenReviewSpec req
  3 status TokenReviewStatus
}
TokenRequest {
  1 metadata ObjectMeta
  2 spec TokenRequestSpec req
  3 status TokenRequestStatus
}
SelfSubjectReviewStatus {
  1 userInfo UserInfo
}
TokenReviewSpec {
  1 token string
  2 audiences []string
}
TokenReviewStatus {
  1 authenticated bool
  2 user UserInfo
  4 audiences []string
  3 error string
}
TokenRequestSpec {
  1 audiences []string req
  4 expirationSeconds int64 ptr req
  3 boundObjectRef BoundObjectReference ptr req
  5 attestations map<StringList>
}
TokenRequestStatus {
  1 token string req
  2 expirationTimestamp Time req
}
UserInfo {
  1 username string
  2 uid string
  3 groups []string
  4 extra map<StringList>
}
BoundObjectReference {
  1 kind string
  2 apiVersion string
  3 name string
  4 uid string
}
# ---- policy/v1 ----
Eviction {
  1 metadata ObjectMeta
  2 deleteOptions DeleteOptions ptr
}
PodDisruptionBudget {
  1 metadata ObjectMeta
  2 spec PodDisruptionBudgetSpec
  3 status PodDisruptionBudgetStatus
}
PodDisruptionBudgetSpec {
  1 minAvailable IntOrString ptr
  2 selector LabelSelector ptr
  3 maxUnavailable IntOrString ptr
  4 unhealthyPodEvictionPolicy string ptr
}
PodDisruptionBudgetStatus {
  1 observedGeneration int64
  2 disruptedPods map<Time>
  3 disruptionsAllowed int32 req
  4 currentHealthy int32 req
  5 desiredHealthy int32 req
  6 expectedPods int32 req
  7 conditions []Condition
}
# ---- apps/v1 (Deployment, DaemonSet; stored and served, not run) ----
PodTemplateSpec {
  1 metadata ObjectMeta
  2 spec PodSpec
}
Deployment {
  1 metadata ObjectMeta
  2 spec DeploymentSpec
  3 status DeploymentStatus
}
DeploymentSpec {
  1 replicas int32 ptr
  2 selector LabelSelector ptr
  3 template PodTemplateSpec
  4 strategy DeploymentStrategy
  5 minReadySeconds int32
  6 revisionHistoryLimit int32 ptr
  7 paused bool
  9 progressDeadlineSeconds int32 ptr
}
DeploymentStrategy {
  1 type string
  2 rollingUpdate RollingUpdateDeployment ptr
}
RollingUpdateDeployment {
  1 maxUnavailable IntOrString ptr
  2 maxSurge IntOrString ptr
}
DeploymentStatus {
  1 observedGeneration int64
  2 replicas int32
  3 updatedReplicas int32
  7 readyReplicas int32
  4 availableReplicas int32
  5 unavailableReplicas int32
  9 terminatingReplicas int32 ptr
  6 conditions []DeploymentCondition
  8 collisionCount int32 ptr
}
DeploymentCondition {
  1 type string req
  2 status string req
  6 lastUpdateTime Time
  7 lastTransitionTime Time
  4 reason string
  5 message string
}
DaemonSet {
  1 metadata ObjectMeta
  2 spec DaemonSetSpec
  3 status DaemonSetStatus
}
DaemonSetSpec {
  1 selector LabelSelector ptr
  2 template PodTemplateSpec
  3 updateStrategy DaemonSetUpdateStrategy
  4 minReadySeconds int32
  6 revisionHistoryLimit int32 ptr
}
DaemonSetUpdateStrategy {
  1 type string
  2 rollingUpdate RollingUpdateDaemonSet ptr
}
RollingUpdateDaemonSet {
  1 maxUnavailable IntOrString ptr
  2 maxSurge IntOrString ptr
}
DaemonSetStatus {
  1 currentNumberScheduled int32 req
  2 numberMisscheduled int32 req
  3 desiredNumberScheduled int32 req
  4 numberReady int32 req
  5 observedGeneration int64
  6 updatedNumberScheduled int32
  7 numberAvailable int32
  8 numberUnavailable int32
  9 collisionCount int32 ptr
  10 conditions []DaemonSetCondition
}
DaemonSetCondition {
  1 type string req
  2 status string req
  3 lastTransitionTime Time
  4 reason string
  5 message string
}
# ---- coordination.k8s.io/v1 ----
Lease {
  1 metadata ObjectMeta
  2 spec LeaseSpec
}
LeaseSpec {
  1 holderIdentity string ptr
  2 leaseDurationSeconds int32 ptr
  3 acquireTime MicroTime ptr
  4 renewTime MicroTime ptr
  5 leaseTransitions int32 ptr
  6 strategy string ptr
  7 preferredHolder string ptr
}
# ---- rbac.authorization.k8s.io/v1 ----
Role {
  1 metadata ObjectMeta
  2 rules []PolicyRule req
}
ClusterRole {
  1 metadata ObjectMeta
  2 rules []PolicyRule req
  3 aggregationRule AggregationRule ptr
}
RoleBinding {
  1 metadata ObjectMeta
  2 subjects []Subject
  3 roleRef RoleRef req
}
ClusterRoleBinding {
  1 metadata ObjectMeta
  2 subjects []Subject
  3 roleRef RoleRef req
}
PolicyRule {
  1 verbs []string req
  2 apiGroups []string
  3 resources []string
  4 resourceNames []string
  5 nonResourceURLs []string
}
AggregationRule {
  1 clusterRoleSelectors []LabelSelector
}
Subject {
  1 kind string req
  2 apiGroup string
  3 name string req
  4 namespace string
}
RoleRef {
  1 apiGroup string req
  2 kind string req
  3 name string req
}
# ---- events.k8s.io/v1 (names prefixed "events." where core/v1 has the same name) ----
events.Event {
  1 metadata ObjectMeta req
  2 eventTime MicroTime req
  3 series events.EventSeries ptr
  4 reportingController string
  5 reportingInstance string
  6 action string
  7 reason string
  8 regarding ObjectReference
  9 related ObjectReference ptr
  10 note string
  11 type string
  12 deprecatedSource EventSource
  13 deprecatedFirstTimestamp Time
  14 deprecatedLastTimestamp Time
  15 deprecatedCount int32
}
events.EventSeries {
  1 count int32 req
  2 lastObservedTime MicroTime req
}
`;
