"""torch.distributed for distilner's Rust training loop.

The loop shares memory with PyTorch through buffers allocated here: it reads their data pointers and
views them as its own tensors, so a collective works on the loop's data with no copy and runs on
PyTorch's c10d (Gloo on CPU, NCCL on CUDA). Requests and answers are JSON.
"""
import datetime
import json
import os

import torch
import torch.distributed as dist

_buffers = {}
_DTYPES = {"f32": torch.float32, "i64": torch.int64}


def _init(req):
    device = torch.device(req["device"])
    kwargs = {}
    if device.type == "cuda":
        torch.cuda.set_device(device)
        kwargs["device_id"] = device
    backend = "nccl" if device.type == "cuda" else "gloo"
    timeout = datetime.timedelta(seconds=req["timeout_s"])
    env = os.environ
    rank, world = int(env["RANK"]), int(env["WORLD_SIZE"])
    # torchrun's agent may keep one store across restarts of the group: without a prefix per
    # attempt, a restarted rank reads its peers' addresses from the killed attempt and never connects.
    agent_store = env.get("TORCHELASTIC_USE_AGENT_STORE") == "True"
    store = dist.TCPStore(
        env["MASTER_ADDR"],
        int(env["MASTER_PORT"]),
        world,
        is_master=(not agent_store and rank == 0),
        timeout=timeout,
        multi_tenant=not agent_store,
    )
    attempt = env.get("TORCHELASTIC_RESTART_COUNT", "0")
    store = dist.PrefixStore(f"/distilner/attempt_{attempt}", store)
    dist.init_process_group(
        backend=backend, store=store, rank=rank, world_size=world, timeout=timeout, **kwargs
    )
    return {
        "rank": dist.get_rank(),
        "world_size": dist.get_world_size(),
        "backend": dist.get_backend(),
        "torch": torch.__version__,
    }


def _buffer(req):
    t = torch.zeros(req["numel"], dtype=_DTYPES[req["dtype"]], device=torch.device(req["device"]))
    handle = len(_buffers)
    _buffers[handle] = t
    return {"handle": handle, "ptr": t.data_ptr()}


def _free(req):
    _buffers.pop(req["handle"], None)
    return None


def _all_reduce(req):
    dist.all_reduce(_buffers[req["handle"]], op=dist.ReduceOp.SUM)
    return None


def _broadcast(req):
    dist.broadcast(_buffers[req["handle"]], src=req["src"])
    return None


def _gather_object(req):
    out = [None] * dist.get_world_size()
    dist.all_gather_object(out, req["value"])
    return out


def _broadcast_object(req):
    box = [req.get("value")]
    dist.broadcast_object_list(box, src=req["src"])
    return box[0]


def _barrier(req):
    dist.barrier()
    return None


def _destroy(req):
    if dist.is_initialized():
        dist.destroy_process_group()
    _buffers.clear()
    return None


_OPS = {
    "init": _init,
    "buffer": _buffer,
    "free": _free,
    "all_reduce": _all_reduce,
    "broadcast": _broadcast,
    "gather_object": _gather_object,
    "broadcast_object": _broadcast_object,
    "barrier": _barrier,
    "destroy": _destroy,
}


def dispatch(request):
    req = json.loads(request)
    return json.dumps(_OPS[req["op"]](req))
