//! The EC2 actions a lab needs for nodes: `RunInstances` (an instance with a private address
//! and DNS name, and optionally an instance profile), `DescribeInstances` (by id, or filtered by
//! `instance-id` and `instance-state-name`) and `TerminateInstances`, with EC2's element names
//! and errors. The API server's `{{EC2PrivateDNSName}}` lookup asks `DescribeInstances` here
//! as it asks real EC2. Who may call: the root, and IAM users with `AdministratorAccess`.

use std::collections::{BTreeMap, HashSet};
use std::time::SystemTime;

use crate::actions::{Answer, Caller, Params};
use crate::error::AwsError;
use crate::state::{Instance, State, ids, iso8601};
use crate::xml::Node;

/// The most instances one `RunInstances` starts.
pub const MAX_COUNT: u32 = 20;

/// Runs the EC2 `action` for `caller`; `region` is the request's signing region.
pub fn run(
    state: &State,
    action: &str,
    params: &Params<'_>,
    caller: &Caller,
    region: &str,
    now: SystemTime,
) -> Result<Answer, AwsError> {
    if !matches!(
        action,
        "RunInstances" | "DescribeInstances" | "TerminateInstances"
    ) {
        return Err(AwsError::sender(
            400,
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        ));
    }
    if !caller.allowed("ec2") {
        return Err(AwsError::sender(
            403,
            "UnauthorizedOperation",
            format!(
                "You are not authorized to perform this operation. User: {} is not authorized to perform: ec2:{action} because no identity-based policy allows the ec2:{action} action",
                caller.arn(state.account_id())
            ),
        ));
    }
    match action {
        "RunInstances" => run_instances(state, params, region, now),
        "DescribeInstances" => describe_instances(state, params),
        _ => terminate_instances(state, params),
    }
}

fn missing(name: &str) -> AwsError {
    AwsError::sender(
        400,
        "MissingParameter",
        format!("The request must contain the parameter {name}"),
    )
}

fn invalid(message: String) -> AwsError {
    AwsError::sender(400, "InvalidParameterValue", message)
}

/// The private DNS name EC2 gives an address in `region`.
pub fn private_dns_name(ip: &str, region: &str) -> String {
    let host = format!("ip-{}", ip.replace('.', "-"));
    if region == "us-east-1" {
        format!("{host}.ec2.internal")
    } else {
        format!("{host}.{region}.compute.internal")
    }
}

fn run_instances(
    state: &State,
    params: &Params<'_>,
    region: &str,
    now: SystemTime,
) -> Result<Answer, AwsError> {
    let image_id = params
        .optional("ImageId")
        .ok_or_else(|| missing("ImageId"))?;
    let count = |name: &str| -> Result<u32, AwsError> {
        let value = params.optional(name).ok_or_else(|| missing(name))?;
        value
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| invalid(format!("Value ({value}) for parameter {name} is invalid.")))
    };
    let (min, max) = (count("MinCount")?, count("MaxCount")?);
    if min > max {
        return Err(invalid(
            "MinCount must be less than or equal to MaxCount".into(),
        ));
    }
    if min > MAX_COUNT {
        return Err(AwsError::sender(
            400,
            "InstanceLimitExceeded",
            format!(
                "You have requested more instances ({min}) than your current instance limit of {MAX_COUNT} allows for the specified instance type."
            ),
        ));
    }
    let account = state.account_id().to_string();
    let profile_arn = match (
        params.optional("IamInstanceProfile.Arn"),
        params.optional("IamInstanceProfile.Name"),
    ) {
        (Some(arn), _) => Some(arn.to_string()),
        (None, Some(name)) => Some(format!("arn:aws:iam::{account}:instance-profile/{name}")),
        (None, None) => None,
    };
    let mut taken: HashSet<String> = state
        .instances()?
        .into_iter()
        .map(|i| i.private_ip_address)
        .collect();
    let reservation_id = ids::hex("r-");
    let mut instances = Vec::new();
    for index in 0..max.min(MAX_COUNT) {
        let ip = loop {
            let ip = format!("10.0.{}.{}", ids::byte(), ids::byte() % 254 + 1);
            if taken.insert(ip.clone()) {
                break ip;
            }
        };
        let instance = Instance {
            instance_id: ids::hex("i-"),
            reservation_id: reservation_id.clone(),
            image_id: image_id.to_string(),
            instance_type: params
                .optional("InstanceType")
                .unwrap_or("m1.small")
                .to_string(),
            ami_launch_index: index,
            private_dns_name: private_dns_name(&ip, region),
            private_ip_address: ip,
            availability_zone: params
                .optional("Placement.AvailabilityZone")
                .map_or_else(|| format!("{region}a"), str::to_string),
            launch_time: iso8601(now),
            state: "running".into(),
            iam_instance_profile_id: profile_arn.as_ref().map(|_| ids::id("AIPA", 17)),
            iam_instance_profile_arn: profile_arn.clone(),
        };
        state.create_instance(&instance)?;
        instances.push(instance);
    }
    // EC2 answers RunInstances while the instances are still pending.
    let mut out = reservation_fields(&reservation_id, &account);
    out.push(Node::element(
        "instancesSet",
        instances
            .iter()
            .map(|i| instance_node(i, ("0", "pending")))
            .collect(),
    ));
    Ok(Some(out))
}

/// The values of `Name.1`, `Name.2`, … in order.
fn numbered<'a>(params: &'a Params<'_>, name: &str) -> Vec<&'a str> {
    (1..)
        .map_while(|n| params.optional(&format!("{name}.{n}")))
        .collect()
}

fn state_code(name: &str) -> &'static str {
    match name {
        "pending" => "0",
        "running" => "16",
        "shutting-down" => "32",
        "terminated" => "48",
        "stopping" => "64",
        _ => "80",
    }
}

/// The instances named by `InstanceId.N` (all of them when none is named), or EC2's
/// `InvalidInstanceID.*` error.
fn named(state: &State, params: &Params<'_>) -> Result<Vec<Instance>, AwsError> {
    let wanted = numbered(params, "InstanceId");
    if let Some(bad) = wanted.iter().find(|id| !is_instance_id(id)) {
        return Err(AwsError::sender(
            400,
            "InvalidInstanceID.Malformed",
            format!("Invalid id: \"{bad}\""),
        ));
    }
    let all = state.instances()?;
    if wanted.is_empty() {
        return Ok(all);
    }
    let unknown: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|id| !all.iter().any(|i| i.instance_id == *id))
        .collect();
    match unknown.as_slice() {
        [] => {}
        [one] => {
            return Err(AwsError::sender(
                400,
                "InvalidInstanceID.NotFound",
                format!("The instance ID '{one}' does not exist"),
            ));
        }
        many => {
            return Err(AwsError::sender(
                400,
                "InvalidInstanceID.NotFound",
                format!("The instance IDs '{}' do not exist", many.join(", ")),
            ));
        }
    }
    Ok(all
        .into_iter()
        .filter(|i| wanted.contains(&i.instance_id.as_str()))
        .collect())
}

fn is_instance_id(id: &str) -> bool {
    id.strip_prefix("i-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn describe_instances(state: &State, params: &Params<'_>) -> Result<Answer, AwsError> {
    let mut instances = named(state, params)?;
    for n in 1.. {
        let Some(name) = params.optional(&format!("Filter.{n}.Name")) else {
            break;
        };
        let values = numbered(params, &format!("Filter.{n}.Value"));
        let field: fn(&Instance) -> &str = match name {
            "instance-id" => |i| &i.instance_id,
            "instance-state-name" => |i| &i.state,
            "private-dns-name" => |i| &i.private_dns_name,
            "iam-instance-profile.arn" => |i| i.iam_instance_profile_arn.as_deref().unwrap_or(""),
            other => {
                return Err(invalid(format!("The filter '{other}' is invalid")));
            }
        };
        instances.retain(|i| values.contains(&field(i)));
    }
    let account = state.account_id().to_string();
    let mut reservations: BTreeMap<&str, Vec<&Instance>> = BTreeMap::new();
    for instance in &instances {
        reservations
            .entry(&instance.reservation_id)
            .or_default()
            .push(instance);
    }
    let items = reservations
        .into_iter()
        .map(|(id, mut members)| {
            members.sort_by_key(|i| i.ami_launch_index);
            let mut fields = reservation_fields(id, &account);
            fields.push(Node::element(
                "instancesSet",
                members
                    .into_iter()
                    .map(|i| instance_node(i, (state_code(&i.state), &i.state)))
                    .collect(),
            ));
            Node::element("item", fields)
        })
        .collect();
    Ok(Some(vec![Node::element("reservationSet", items)]))
}

fn terminate_instances(state: &State, params: &Params<'_>) -> Result<Answer, AwsError> {
    if numbered(params, "InstanceId").is_empty() {
        return Err(missing("InstanceId"));
    }
    let items = named(state, params)?
        .into_iter()
        .map(|instance| {
            let (previous, current) = if instance.state == "terminated" {
                ("terminated", "terminated")
            } else {
                (instance.state.as_str(), "shutting-down")
            };
            state.terminate_instance(&instance.instance_id)?;
            let state_node = |tag: &str, name: &str| {
                Node::element(
                    tag,
                    vec![
                        Node::text("code", state_code(name)),
                        Node::text("name", name),
                    ],
                )
            };
            Ok(Node::element(
                "item",
                vec![
                    Node::text("instanceId", &instance.instance_id),
                    state_node("currentState", current),
                    state_node("previousState", previous),
                ],
            ))
        })
        .collect::<Result<Vec<_>, AwsError>>()?;
    Ok(Some(vec![Node::element("instancesSet", items)]))
}

fn reservation_fields(reservation_id: &str, account: &str) -> Vec<Node> {
    vec![
        Node::text("reservationId", reservation_id),
        Node::text("ownerId", account),
        Node::element("groupSet", Vec::new()),
    ]
}

fn instance_node(instance: &Instance, (code, name): (&str, &str)) -> Node {
    let mut fields = vec![
        Node::text("instanceId", &instance.instance_id),
        Node::text("imageId", &instance.image_id),
        Node::element(
            "instanceState",
            vec![Node::text("code", code), Node::text("name", name)],
        ),
        Node::text("privateDnsName", &instance.private_dns_name),
        Node::text("amiLaunchIndex", instance.ami_launch_index.to_string()),
        Node::text("instanceType", &instance.instance_type),
        Node::text("launchTime", &instance.launch_time),
        Node::element(
            "placement",
            vec![
                Node::text("availabilityZone", &instance.availability_zone),
                Node::text("tenancy", "default"),
            ],
        ),
        Node::element("monitoring", vec![Node::text("state", "disabled")]),
    ];
    if !instance.private_ip_address.is_empty() {
        fields.push(Node::text("privateIpAddress", &instance.private_ip_address));
    }
    fields.extend([
        Node::text("architecture", "x86_64"),
        Node::text("rootDeviceType", "ebs"),
        Node::text("rootDeviceName", "/dev/xvda"),
        Node::text("virtualizationType", "hvm"),
        Node::text("hypervisor", "xen"),
    ]);
    if let (Some(arn), Some(id)) = (
        &instance.iam_instance_profile_arn,
        &instance.iam_instance_profile_id,
    ) {
        fields.push(Node::element(
            "iamInstanceProfile",
            vec![Node::text("arn", arn), Node::text("id", id)],
        ));
    }
    Node::element("item", fields)
}

#[cfg(test)]
mod tests;
